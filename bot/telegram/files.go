package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"okienko/bot"
)

// attachmentOf is the file a message carries that staff can be shown (a
// photo — its largest size —, a document, a voice or audio message, a
// video), or nil. Stickers, locations and the like are not passed on.
func attachmentOf(m *tgbotapi.Message) *bot.Attachment {
	switch {
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1] // Telegram lists sizes smallest first
		return &bot.Attachment{Kind: "photo", ID: p.FileID, Name: "zdjecie.jpg", Mime: "image/jpeg", Size: int64(p.FileSize)}
	case m.Document != nil:
		d := m.Document
		return &bot.Attachment{Kind: "document", ID: d.FileID, Name: d.FileName, Mime: d.MimeType, Size: int64(d.FileSize)}
	case m.Voice != nil:
		v := m.Voice
		return &bot.Attachment{Kind: "voice", ID: v.FileID, Name: "nagranie.ogg", Mime: v.MimeType, Size: int64(v.FileSize)}
	case m.Audio != nil:
		a := m.Audio
		return &bot.Attachment{Kind: "audio", ID: a.FileID, Name: a.FileName, Mime: a.MimeType, Size: int64(a.FileSize)}
	case m.Video != nil:
		v := m.Video
		return &bot.Attachment{Kind: "video", ID: v.FileID, Name: v.FileName, Mime: v.MimeType, Size: int64(v.FileSize)}
	case m.VideoNote != nil:
		v := m.VideoNote
		return &bot.Attachment{Kind: "video", ID: v.FileID, Name: "wideo.mp4", Mime: "video/mp4", Size: int64(v.FileSize)}
	}
	return nil
}

// FetchFile downloads a file a resident sent, by its file_id, as the Bot
// API allows (getFile, then the file URL; bots may download up to 20 MB).
// The caller closes the body. Errors carry no token.
func (b *Bot) FetchFile(ctx context.Context, fileID string) (io.ReadCloser, error) {
	if fileID == "" {
		return nil, errors.New("telegram file: empty file id")
	}
	f, err := b.api.GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("telegram getFile: %w", b.redacted(err))
	}
	if f.FilePath == "" {
		return nil, errors.New("telegram getFile: no file path (too big to download?)")
	}
	if f.FileSize > bot.MaxAttachmentBytes {
		return nil, fmt.Errorf("telegram file: %d bytes, more than bots may download", f.FileSize)
	}
	// The file URL is the API URL's sibling: …/file/bot<token>/<path>.
	pattern := strings.Replace(b.cfg.APIEndpoint, "/bot%s/%s", "/file/bot%s/%s", 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(pattern, b.cfg.Token, f.FilePath), nil)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", b.redacted(err))
	}
	resp, err := b.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", b.redacted(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("telegram file: status %d", resp.StatusCode)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, bot.MaxAttachmentBytes+1), resp.Body}, nil
}
