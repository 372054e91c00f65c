package slack

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/script"
	"okienko/bot/slack/slackfake"
	"okienko/bot/telegram/telegramtest"
	"okienko/dialogs"
)

// TestUndeliveredReplyToldInTheThread: a staff member's reply that reaches
// the resident makes no note; replies to a resident who blocked the bot
// (Telegram answers 403 "Forbidden: bot was blocked by the user") make one
// note in the case's thread for the burst, without the replies' text; a
// reply Telegram keeps failing on (5xx, given up after the retries) makes
// its own note.
func TestUndeliveredReplyToldInTheThread(t *testing.T) {
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatal(probs.Err())
	}
	h, tgSrv := residentsOnTelegram(t, func(cfg *bot.Config, st *redis.Store) { cfg.Script, cfg.NewID = sc, st.NewCaseID })

	const me = 779
	last := func(n int) telegramtest.Message {
		t.Helper()
		return tgSrv.WaitMessages(t, me, n, 5*time.Second)[n-1]
	}
	caseID, cardTS := h.handOver(t, tgSrv, me, 0)
	h.click("U1", actionClaim, caseID, cardTS)
	last(4) // Anna joined

	inThread := func(what string) int {
		return len(h.slack.posts(func(v url.Values) bool {
			return v.Get("thread_ts") == cardTS && strings.Contains(v.Get("text"), what)
		}))
	}
	const note = "nie dotarła do mieszkańca"
	// settled waits until the resident's words are in the thread: the
	// notes of the messages sent before them were queued before them.
	settled := func(words string) {
		t.Helper()
		tgSrv.PrivateText(me, "pl", words)
		h.eventually("the resident's words in the thread", func() bool { return inThread(words) == 1 && h.drained() })
	}

	// Delivered: no note.
	h.say("Ev1", "U1", cardTS, slackfake.Escape(">> Dzień dobry, zadzwonię jutro."))
	if m := last(5); !strings.Contains(m.Text, "zadzwonię jutro") {
		t.Fatalf("the reply reached the resident as %q", m.Text)
	}
	settled("dziękuję")
	if n := inThread(note); n != 0 {
		t.Fatalf("%d notes of an undelivered message after a delivered reply", n)
	}

	// The resident blocks the bot; Anna writes three times: one note.
	tgSrv.Block(me)
	for i, text := range []string{">> Czy jest Pani w domu?", ">> Proszę odpisać.", ">> Halo?"} {
		h.say("Ev-blocked-"+string(rune('a'+i)), "U1", cardTS, slackfake.Escape(text))
	}
	h.eventually("Telegram refusing the three replies", func() bool {
		n := 0
		for _, c := range tgSrv.Calls("sendMessage") {
			if c.Status == http.StatusForbidden {
				n++
			}
		}
		return n == 3
	})
	h.eventually("the note in the thread", func() bool { return inThread(note) >= 1 })
	// The resident unblocks the bot: a reply reaches them again, and after
	// it their words — every note of the burst was queued before those.
	tgSrv.Unblock(me)
	h.say("Ev6", "U1", cardTS, slackfake.Escape(">> Jest Pani?"))
	if m := last(6); !strings.Contains(m.Text, "Jest Pani?") {
		t.Fatalf("the reply after the unblock reached the resident as %q", m.Text)
	}
	settled("jestem")
	blocked := h.slack.posts(func(v url.Values) bool { return v.Get("thread_ts") == cardTS && strings.Contains(v.Get("text"), note) })
	if len(blocked) != 1 {
		t.Fatalf("%d notes for the burst of three undelivered replies; want 1", len(blocked))
	}
	text := blocked[0].Get("text")
	if !strings.Contains(text, "zablokował bota") || strings.Contains(text, "Halo") || strings.Contains(text, "odpisać") {
		t.Errorf("the note reads %q; want why, without the replies' text", text)
	}
	if blocked[0].Get("reply_broadcast") == "true" {
		t.Error("the note was broadcast to the channel")
	}

	// Telegram fails (5xx) until the outbox gives up: a note of its own.
	tgSrv.Fail(3, http.StatusBadGateway) // the first try and both retries
	h.say("Ev7", "U1", cardTS, slackfake.Escape(">> Przepraszam za kłopot."))
	h.eventually("the give-up note in the thread", func() bool { return inThread("po kilku próbach") == 1 })
	if strings.Contains(h.logs.String(), "Czy jest Pani w domu") || strings.Contains(h.logs.String(), "Przepraszam za kłopot") {
		t.Error("a staff reply's text reached the logs")
	}
}
