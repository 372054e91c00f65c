package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// postFile shows a file the resident sent in the case thread: fetched
// from the resident's channel (FileSource) and uploaded with Slack's
// external upload (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal into the thread), once per entry. Its
// Slack id is recorded on the case, so that erasure deletes it. A file
// that cannot be fetched is noted in the thread instead.
func (d *Desk) postFile(ctx context.Context, entryID string, rec desk.CaseRecord, p relayPayload) error {
	f := p.File
	if f == nil {
		return nil
	}
	if _, posted, err := d.marks.Posted(ctx, entryID); err != nil {
		return fmt.Errorf("case book: %w", err)
	} else if posted {
		return nil
	}
	data, err := d.fetch(ctx, p.Key, f)
	if err != nil {
		d.log.Warn("slack file: not fetched from the resident's channel", "case", rec.ID, "kind", f.Kind, "err", err)
		return d.postInThread(ctx, entryID, rec, fmt.Sprintf(textFileNotFetched, fileKinds[f.Kind]), false)
	}
	name := f.Name
	if name == "" {
		name = f.Kind
	}
	comment := fmt.Sprintf(textFile, fileKinds[f.Kind])
	if p.Text != "" {
		// The caption is the resident's text, shown as mrkdwn: escaped like
		// their words, so that "<!channel>" pings no one and "<url|label>"
		// is no disguised link.
		comment += " " + clip(escape(p.Text), maxMessageText)
	}
	sum, err := d.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
		Reader: bytes.NewReader(data), FileSize: len(data), Filename: name, Title: name,
		Channel: rec.Channel, ThreadTimestamp: rec.ThreadTS, InitialComment: comment,
	})
	if err != nil {
		return fmt.Errorf("file upload: %w", err)
	}
	d.markPosted(ctx, entryID, sum.ID, rec.ID)
	cur, found, err := d.cases.Get(ctx, rec.ID)
	switch {
	case err == nil && !found:
		// The resident erased the conversation while the file was on its
		// way: the erasure's list of files did not have it.
		d.deleteFiles(ctx, []string{sum.ID})
		d.log.Info("slack file deleted: its case was erased during the upload", "case", rec.ID)
		return nil
	case err == nil:
		cur.Files = append(cur.Files, sum.ID)
		err = d.cases.Put(ctx, cur)
	}
	if err != nil {
		d.log.Warn("slack file: not recorded on the case (erasure will not find it)", "case", rec.ID, "err", err)
	}
	d.log.Info("slack file posted", "case", rec.ID, "kind", f.Kind, "bytes", len(data))
	return nil
}

// fetch reads a resident's file, at most bot.MaxAttachmentBytes.
func (d *Desk) fetch(ctx context.Context, key string, f *bot.Attachment) ([]byte, error) {
	if d.files == nil {
		return nil, errors.New("no file source")
	}
	body, err := d.files.FetchFile(ctx, key, f.ID)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, bot.MaxAttachmentBytes+1))
	switch {
	case err != nil:
		return nil, err
	case len(data) > bot.MaxAttachmentBytes:
		return nil, errors.New("file too big")
	case len(data) == 0:
		return nil, errors.New("empty file")
	}
	return data, nil
}

// deleteFiles deletes the resident's files from Slack (erasure). A file
// already gone is not an error; others are logged: the card is stripped
// anyway, and an organizer can delete a file by hand.
func (d *Desk) deleteFiles(ctx context.Context, ids []string) {
	for _, id := range ids {
		if err := d.api.DeleteFileContext(ctx, id); err != nil && err.Error() != "file_not_found" && err.Error() != "file_deleted" {
			d.log.Warn("slack file not deleted at erasure", "file", id, "err", err)
		}
	}
}
