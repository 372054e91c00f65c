package slack

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/desk"
	"okienko/bot/redis"
	"okienko/bot/script"
	"okienko/bot/telegram/telegramtest"
	"okienko/dialogs"
)

// TestResidentFileToStaffAndErased: outside a case a photo gets a kind
// answer; in a claimed case (with consent) it is fetched from Telegram
// (getFile, the file URL) and uploaded into the case thread with Slack's
// external upload, with its caption; /usun deletes it from Slack.
func TestResidentFileToStaffAndErased(t *testing.T) {
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatal(probs.Err())
	}
	h, tgSrv := residentsOnTelegram(t, func(cfg *bot.Config, st *redis.Store) { cfg.Script, cfg.NewID = sc, st.NewCaseID })

	const me = 778
	last := func(n int) telegramtest.Message {
		t.Helper()
		return tgSrv.WaitMessages(t, me, n, 5*time.Second)[n-1]
	}
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 5000) // a "JPEG" of 20 kB
	tgSrv.PrivateFile(me, "pl", "photo", "", "image/jpeg", photo, "")
	if m := last(1); !strings.Contains(m.Text, "pracownik Centrum może je zobaczyć") {
		t.Fatalf("a photo outside a case: %q", m.Text)
	}
	caseID, cardTS := h.handOver(t, tgSrv, me, 1)
	if m := last(4); !strings.Contains(m.Text, "Przekazano sprawę (nr K-") {
		t.Fatalf("after consent: %q; want a short case number", m.Text)
	}
	h.click("U1", actionClaim, caseID, cardTS)
	last(5) // Anna joined

	tgSrv.PrivateFile(me, "pl", "document", "decyzja.pdf", "application/pdf", []byte("%PDF-1.4 decyzja o odmowie"), "to przyszło z MOPS <!channel> & <https://x.example|pismo>")
	if m := last(6); !strings.Contains(m.Text, "Plik przekazano") {
		t.Fatalf("after the document: %q", m.Text)
	}
	var f struct {
		ok      bool
		name    string
		comment string
	}
	h.eventually("the file in the thread", func() bool {
		for _, file := range h.slack.Files() {
			if file.Completed && file.ThreadTS == cardTS && string(file.Data) == "%PDF-1.4 decyzja o odmowie" {
				f.ok, f.name, f.comment = strings.Contains(file.Comment, "to przyszło z MOPS"), file.Name, file.Comment
				return true
			}
		}
		return false
	})
	if !f.ok || f.name != "decyzja.pdf" {
		t.Errorf("the file %q came without the caption or its name", f.name)
	}
	// The caption is the resident's text: Slack must not read it as markup.
	if !strings.Contains(f.comment, "&lt;!channel&gt; &amp; &lt;https://x.example|pismo&gt;") || strings.Contains(f.comment, "<!channel>") {
		t.Errorf("the caption reached Slack unescaped: %q", f.comment)
	}

	tgSrv.PrivateText(me, "pl", "/usun")
	h.eventually("the file deleted from Slack", func() bool {
		files := h.slack.Files()
		return len(files) == 1 && files[0].Deleted
	})
}

// fileSourceFunc serves a resident's file from memory.
type fileSourceFunc func(key, id string) (io.ReadCloser, error)

func (f fileSourceFunc) FetchFile(_ context.Context, key, id string) (io.ReadCloser, error) {
	return f(key, id)
}

// TestFileOfErasedCaseDeleted: a file whose case was erased while it was
// uploading (the erasure's list of files could not have it) is deleted
// from Slack at once, not left in the thread with the resident's data.
func TestFileOfErasedCaseDeleted(t *testing.T) {
	h := newIdleHarness(t)
	h.desk.files = fileSourceFunc(func(_, _ string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("%PDF-1.4 zaświadczenie")), nil
	})
	gone := desk.CaseRecord{ID: "e1", Key: "telegram:1", Channel: h.cfg.Channel, ThreadTS: "1700000000.000100"}
	p := relayPayload{Key: gone.Key, Kind: bot.EntryFile, File: &bot.Attachment{Kind: "document", ID: "f1", Name: "a.pdf"}}
	if err := h.desk.postFile(h.ctx, "1-1", gone, p); err != nil {
		t.Fatal(err)
	}
	files := h.slack.Files()
	if len(files) != 1 || !files[0].Completed || !files[0].Deleted {
		t.Fatalf("files in Slack after the upload of an erased case's file: %+v", files)
	}
}
