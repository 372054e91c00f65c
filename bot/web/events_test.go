package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
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
	// A staff reply's bold (for Telegram) is not part of the web chat's
	// plain text.
	if err := h.chat.Send(chatID, bot.Reply{Text: "Anna: Dzień dobry!\nZadzwonię jutro.", Choices: []bot.Choice{{ID: "tak", Label: "Dobrze"}},
		Spans: []bot.Span{{Start: 6, End: 18, Style: bot.StyleBold}}}); err != nil {
		t.Fatal(err)
	}
	ev := s.next(t)
	var r bot.Reply
	if err := json.Unmarshal([]byte(ev.data), &r); err != nil || ev.name != "reply" {
		t.Fatalf("second event %s %q: %v", ev.name, ev.data, err)
	}
	second, text := ev.id, r.Text
	if text != "Anna: Dzień dobry!\nZadzwonię jutro." || second <= first {
		t.Fatalf("second event %q id %q after %q", text, second, first)
	}
	if strings.Contains(ev.data, "spans") {
		t.Errorf("the web chat got formatting: %s", ev.data)
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
		c.MaxStreamsPerSession = 2
	})
	me := h.open("pl")
	me.start()
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

	// Two at once per session; a third is refused until one closes.
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
// the staff replies kept for it too, and gets a new session (cookie and
// token), so that whoever uses the computer next neither continues the
// conversation nor gets what reaches the old one; the old token no longer
// works, the session endpoint hands out the new one.
func TestEraseForgetsMailbox(t *testing.T) {
	mb := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	h := newHarness(t, func(c *web.Config) { c.Mailbox = mb })
	me := h.open("pl")
	me.start()
	oldChat, oldCookie, oldCSRF := h.rec.lastChatID(t), me.cookie().Value, me.csrf
	if err := h.chat.Send(oldChat, bot.Reply{Text: "Anna: mam Pani adres"}); err != nil {
		t.Fatal(err)
	}
	a := me.post(map[string]any{"command": "erase"}, nil)
	if a.status != http.StatusOK || !a.Erased || !strings.Contains(a.text(), "Usunięto") {
		t.Fatalf("erase: %d erased=%v %q", a.status, a.Erased, a.text())
	}
	if a.CSRF == "" || a.CSRF == oldCSRF {
		t.Fatalf("erase answered the token %q (was %q), want a new one", a.CSRF, oldCSRF)
	}
	if c := me.cookie(); c == nil || c.Value == oldCookie {
		t.Fatalf("after erasure the session cookie is still %v", c)
	}
	if got := me.post(map[string]any{"text": "hej"}, nil); got.status != http.StatusForbidden || got.Code != "session" {
		t.Errorf("the old token after erasure: %d %q", got.status, got.Code)
	}
	res, err := me.client.Get(me.base + "/api/chat/session")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		CSRF string `json:"csrf"`
	}
	err = jsonDecode(res.Body, &s)
	res.Body.Close()
	if err != nil || s.CSRF != a.CSRF {
		t.Errorf("the session endpoint after erasure: %q %v, want the erasure's token", s.CSRF, err)
	}
	me.csrf = a.CSRF
	me.say("Dzień dobry")
	newChat := h.rec.lastChatID(t)
	if newChat == oldChat {
		t.Fatal("after erasure the next message went to the erased conversation")
	}
	stream := me.listen("", "")
	for _, send := range []struct{ chat, text string }{{oldChat, "do starej rozmowy"}, {newChat, "do nowej rozmowy"}} {
		if err := h.chat.Send(send.chat, bot.Reply{Text: send.text}); err != nil {
			t.Fatal(err)
		}
	}
	if _, text := stream.nextText(t); text != "do nowej rozmowy" {
		t.Errorf("after erasure the page first gets %q", text)
	}
	// An erasure whose answer (and so its cookie) was lost is retried with
	// the old cookie: answered as erased again, with another new session,
	// and applied once.
	before := &resident{t: t, base: me.base, client: &http.Client{}, csrf: me.csrf, run: "before"}
	before.client.Jar, _ = cookiejar.New(nil)
	u, _ := url.Parse(me.base)
	before.client.Jar.SetCookies(u, []*http.Cookie{me.cookie()})
	erase := func() map[string]any { return map[string]any{"id": "erase-000000001", "command": "erase"} }
	first := me.post(erase(), nil)
	again := before.post(erase(), nil)
	if !first.Erased || !again.Erased || again.CSRF == "" || again.CSRF == first.CSRF || again.CSRF == me.csrf {
		t.Errorf("an erasure retried: erased %v %v, tokens %q %q", first.Erased, again.Erased, first.CSRF, again.CSRF)
	}
	if n := h.rec.count("erase-000000001"); n != 1 {
		t.Errorf("the erasure reached the engine %d times", n)
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
// end at once with a short retry: a refusal would make the browser give
// up the stream, so that the page would miss staff replies.
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
	again := me.listen("", "")
	if again.status != http.StatusOK || again.headers.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("a stream after stopping: %d %q %s", again.status, again.headers.Get("Content-Type"), again.body)
	}
	select {
	case <-again.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("a stream opened after stopping stays open")
	}
	if ms, err := strconv.Atoi(again.retry); err != nil || ms <= 0 || ms > 10000 {
		t.Errorf("a stream after stopping asks the browser to retry after %q ms, want a few seconds", again.retry)
	}
	if len(again.events) > 0 {
		t.Errorf("a stream after stopping delivered %d events", len(again.events))
	}
}

// TestMaxStreams: the streams open in all are bounded, before the bound
// per client: many clients (each within its own bound) get the same
// refusal once the total is reached, and streams open again when others
// close.
func TestMaxStreams(t *testing.T) {
	h := newHarness(t, func(c *web.Config) {
		c.ProxyHops, c.MaxStreams, c.MaxStreamsPerClient, c.MaxStreamsPerSession = 1, 2, 16, 16
	})
	me := h.open("pl")
	me.start()
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	first := me.listenWith(from("198.51.100.1"), "")
	second := me.listenWith(from("198.51.100.2"), "")
	for _, s := range []*stream{first, second} {
		if s.status != http.StatusOK {
			t.Fatalf("a stream within the bound: %d %s", s.status, s.body)
		}
	}
	third := me.listenWith(from("198.51.100.3"), "")
	// The truth: the chat is busy, not "too many tabs" of this resident.
	if third.status != http.StatusTooManyRequests || !strings.Contains(third.body, `"code":"streams_busy"`) || third.headers.Get("Retry-After") == "" {
		t.Errorf("a third stream from a third client: %d %s", third.status, third.body)
	}
	// The refused one took nothing: after one closes, one more opens.
	first.cancel()
	eventually(t, "a stream after another closed", wait, func() bool {
		s := me.listenWith(from("198.51.100.4"), "")
		s.cancel()
		return s.status == http.StatusOK
	})
}

// TestEventStreamsNeedAConversationAndThePagesToken: a made-up cookie, or
// a session without a conversation, or a request without the page's token,
// takes no stream slot; a session's own streams are capped, and each
// refusal says what is the case, in the resident's language.
func TestEventStreamsNeedAConversationAndThePagesToken(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.MaxStreamsPerSession = 1 })

	// A cookie the server never issued, with a token made up for it.
	forged := h.open("pl")
	forged.client.Jar.SetCookies(mustURL(t, h.srv.URL), []*http.Cookie{{Name: "okienko_session", Value: "AAAAAAAAAAAAAAAAAAAAAA", Path: "/"}})
	if s := forged.listen("", "?t=made-up"); s.status != http.StatusForbidden || !strings.Contains(s.body, `"code":"session"`) {
		t.Errorf("a made-up cookie and token: %d %s", s.status, s.body)
	}

	// The page's session, but no conversation yet.
	me := h.open("pl")
	if s := me.listen("", ""); s.status != http.StatusForbidden || !strings.Contains(s.body, `"code":"no_conversation"`) || !strings.Contains(s.body, "Napisz wiadomość") {
		t.Errorf("a session without a conversation: %d %s", s.status, s.body)
	}
	me.start()
	// Without the page's token.
	if s := me.listen("", "?t="); s.status != http.StatusForbidden || !strings.Contains(s.body, `"code":"session"`) {
		t.Errorf("without the token: %d %s", s.status, s.body)
	}
	first := me.listen("", "")
	if first.status != http.StatusOK {
		t.Fatalf("the page's stream: %d %s", first.status, first.body)
	}
	second := me.listenWith(map[string]string{"Accept-Language": "uk"}, "?lang=uk")
	if second.status != http.StatusTooManyRequests || !strings.Contains(second.body, `"code":"streams"`) {
		t.Errorf("a second stream of a session capped at one: %d %s", second.status, second.body)
	}
	// Another resident from the same address is not refused by it.
	other := h.open("pl")
	other.start()
	if s := other.listen("", ""); s.status != http.StatusOK {
		t.Errorf("another resident's stream: %d %s", s.status, s.body)
	}
	// After /usun the conversation is gone: its session takes no slot.
	first.cancel()
	a := me.post(map[string]any{"command": "erase"}, nil)
	if !a.Erased || a.CSRF == "" {
		t.Fatalf("erasure: %+v", a)
	}
	me.csrf = a.CSRF // the new session's token, as the page takes it
	if s := me.listen("", ""); s.status != http.StatusForbidden || !strings.Contains(s.body, `"code":"no_conversation"`) {
		t.Errorf("a stream after erasure: %d %s", s.status, s.body)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
