package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/web"
)

// TestEventStream: staff replies sent before the page listens arrive when
// it does, later ones arrive live, and a reconnect with Last-Event-ID (or
// a page opening with ?after=) gets only what it has not seen.
func TestEventStream(t *testing.T) {
	h := newHarness(t, nil)
	me := h.open("pl")
	me.start()
	chatID := h.rec.lastChatID(t)
	if err := h.chat.Send(chatID, bot.Reply{Text: "Do rozmowy dołączyła Anna.", Lang: "pl"}); err != nil {
		t.Fatal(err)
	}
	s := me.listen("", "")
	if ct := s.headers.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" || s.headers.Get("Cache-Control") != "no-store" {
		t.Errorf("stream headers: %q %q", ct, s.headers.Get("Cache-Control"))
	}
	first, text := s.nextText(t)
	if text != "Do rozmowy dołączyła Anna." {
		t.Fatalf("first event %q", text)
	}
	if err := h.chat.Send(chatID, bot.Reply{Text: "Anna: Dzień dobry!\nZadzwonię jutro.", Choices: []bot.Choice{{ID: "tak", Label: "Dobrze"}}}); err != nil {
		t.Fatal(err)
	}
	second, text := s.nextText(t)
	if text != "Anna: Dzień dobry!\nZadzwonię jutro." || second <= first {
		t.Fatalf("second event %q id %q after %q", text, second, first)
	}
	// Another resident's page hears nothing of it: its first event is its
	// own.
	other := h.open("pl")
	other.start()
	otherStream := other.listen("", "")
	if err := h.chat.Send(h.rec.lastChatID(t), bot.Reply{Text: "dla drugiej osoby"}); err != nil {
		t.Fatal(err)
	}
	if _, text := otherStream.nextText(t); text != "dla drugiej osoby" {
		t.Errorf("another resident got %q", text)
	}

	for _, tc := range []struct{ name, lastEventID, query string }{
		{"reconnect", first, ""},
		{"reopened page", "", "?after=" + first},
		{"header wins", first, "?after=0"},
	} {
		again := me.listen(tc.lastEventID, tc.query)
		if id, text := again.nextText(t); id != second || !strings.HasPrefix(text, "Anna: Dzień dobry!") {
			t.Errorf("%s: first event %q %q, want only the second", tc.name, id, text)
		}
	}
}

// TestEventStreamKeepsAliveAndEnds: idle streams get comments, end after
// their lifetime (the browser reconnects), and need a session.
func TestEventStreamKeepsAliveAndEnds(t *testing.T) {
	h := newHarness(t, func(c *web.Config) {
		c.Heartbeat = 20 * time.Millisecond
		c.StreamLifetime = 300 * time.Millisecond
		c.MaxStreamsPerClient = 2
	})
	me := h.open("pl")
	s := me.listen("", "")
	select {
	case <-s.pings:
	case <-time.After(10 * time.Second):
		t.Fatal("no heartbeat")
	}
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream outlived its lifetime")
	}

	// Two at once per client; a third is refused until one closes.
	a, b := me.listen("", ""), me.listen("", "")
	third := me.listen("", "")
	if third.status != http.StatusTooManyRequests || !strings.Contains(third.body, "zbyt wielu kartach") {
		t.Errorf("a third stream: %d %s", third.status, third.body)
	}
	<-a.closed
	<-b.closed
	if again := me.listen("", ""); again.status != http.StatusOK {
		t.Errorf("after the others ended: %d", again.status)
	}

	stranger := h.open("pl")
	stranger.client.Jar = nil
	if s := stranger.listen("", ""); s.status != http.StatusForbidden || !strings.Contains(s.body, `"code":"session"`) {
		t.Errorf("without a session: %d %s", s.status, s.body)
	}
}

// TestEventStreamSkipsUnreadableEntries: an entry that is not a reply
// (another program's data in the mailbox) is skipped, not sent or fatal.
func TestEventStreamSkipsUnreadableEntries(t *testing.T) {
	mb := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	h := newHarness(t, func(c *web.Config) { c.Mailbox = mb })
	me := h.open("pl")
	me.start()
	key := "web:" + h.rec.lastChatID(t)
	for _, data := range []string{"not json", `{"text":""}`, `{"text":"ok"}`} {
		if _, err := mb.Post(context.Background(), key, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	s := me.listen("", "")
	if _, text := s.nextText(t); text != "ok" {
		t.Errorf("first delivered %q", text)
	}
}

// TestEraseForgetsMailbox: a resident who erases the conversation loses
// the staff replies kept for it too.
func TestEraseForgetsMailbox(t *testing.T) {
	mb := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	h := newHarness(t, func(c *web.Config) { c.Mailbox = mb })
	me := h.open("pl")
	me.start()
	chatID := h.rec.lastChatID(t)
	if err := h.chat.Send(chatID, bot.Reply{Text: "Anna: mam Pani adres"}); err != nil {
		t.Fatal(err)
	}
	a := me.post(map[string]any{"command": "erase"}, nil)
	if a.status != http.StatusOK || !a.Erased || !strings.Contains(a.text(), "Usunąłem") {
		t.Fatalf("erase: %d erased=%v %q", a.status, a.Erased, a.text())
	}
	if err := h.chat.Send(chatID, bot.Reply{Text: "po usunięciu"}); err != nil {
		t.Fatal(err)
	}
	if _, text := me.listen("", "").nextText(t); text != "po usunięciu" {
		t.Errorf("after erasure the page first gets %q", text)
	}
}

// TestEventStreamOutlivesWriteTimeout: the server that serves the chat has
// a WriteTimeout for ordinary answers; an event stream lasts longer and
// still delivers.
func TestEventStreamOutlivesWriteTimeout(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.Heartbeat = 50 * time.Millisecond })
	slow := httptest.NewUnstartedServer(h.chat)
	slow.Config.WriteTimeout = 200 * time.Millisecond
	slow.Start()
	t.Cleanup(slow.Close)
	h.srv = slow
	me := h.open("pl")
	me.start()
	s := me.listen("", "")
	for range 8 { // 400 ms of heartbeats: twice the WriteTimeout
		select {
		case <-s.pings:
		case <-s.closed:
			t.Fatal("the stream was cut")
		case <-time.After(10 * time.Second):
			t.Fatal("no heartbeat")
		}
	}
	if err := h.chat.Send(h.rec.lastChatID(t), bot.Reply{Text: "później"}); err != nil {
		t.Fatal(err)
	}
	if _, text := s.nextText(t); text != "później" {
		t.Errorf("got %q", text)
	}
}

// TestRunEndsStreams: when the chat stops (the server shuts down), open
// streams end so that the graceful shutdown need not wait, and new ones
// are refused until a restart.
func TestRunEndsStreams(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.chat.Run(ctx) }()
	me := h.open("pl")
	s := me.listen("", "")
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream outlived the chat")
	}
	if again := me.listen("", ""); again.status != http.StatusServiceUnavailable || again.headers.Get("Retry-After") == "" {
		t.Errorf("a stream after stopping: %d", again.status)
	}
}
