package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/web"
)

// TestConversation walks a resident through the page's API with the real
// engine and catalogue: the greeting, a description in their own words,
// the services found, a button, a request for a person and the case.
func TestConversation(t *testing.T) {
	h := newHarness(t, nil)
	me := h.open("pl-PL,pl;q=0.9")
	if !me.fresh {
		t.Error("a first visit is not marked fresh")
	}
	greeting := me.start()
	if !strings.Contains(greeting.text(), "Jestem Okienko") || !slices.Contains(greeting.choices(), "pieniadze") {
		t.Fatalf("greeting: %q, choices %v", greeting.text(), greeting.choices())
	}
	if greeting.Replies[0].Lang != "pl" {
		t.Errorf("greeting in %q, want pl", greeting.Replies[0].Lang)
	}
	found := me.say("Nie mam pieniędzy na jedzenie")
	if !strings.Contains(found.text(), "Pomoc żywnościowa") {
		t.Fatalf("results: %q", found.text())
	}
	if !slices.Contains(found.choices(), "osoba") {
		t.Fatalf("after results the choices are %v, want a person among them", found.choices())
	}
	person := me.press("osoba")
	if !strings.Contains(person.text(), "Jaki kontakt będzie najwygodniejszy") {
		t.Fatalf("after asking for a person: %q", person.text())
	}
	me.press("czat")
	done := me.press("tak")
	if !strings.Contains(done.text(), "Przekazano sprawę") {
		t.Fatalf("after consent: %q", done.text())
	}
	cases := h.desk.opened()
	if len(cases) != 1 {
		t.Fatalf("%d cases opened, want 1", len(cases))
	}
	key := cases[0].Key
	channel, chatID, _ := strings.Cut(key, ":")
	if channel != web.Channel || len(chatID) != 32 {
		t.Errorf("case key %q: want web:<32 hex>", key)
	}
	if c := me.cookie(); c == nil || strings.Contains(key, c.Value) {
		t.Errorf("the case key %q shows the session cookie", key)
	}

	// A reload of the page keeps the session: no longer fresh, same chat.
	me.reload()
	if me.fresh {
		t.Error("a reload is marked fresh")
	}
	more := me.say("/pomoc")
	if !strings.Contains(more.text(), "/czlowiek") {
		t.Errorf("help after reload: %q", more.text())
	}
	if n := len(h.desk.opened()); n != 1 {
		t.Errorf("%d cases after reload, want still 1", n)
	}
}

// TestRetriedMessageAppliedOnce: the page retries a message whose answer
// was lost with the same id; the engine applies it once, and the retry
// gets the same answer, kept for a few minutes by this process. A retry
// after that, or on another replica, gets an empty answer (the page says
// the message already arrived); a message the engine failed on is not
// kept, so its retry runs again; a retry that arrives while the first
// attempt is still being handled waits for its answer.
func TestRetriedMessageAppliedOnce(t *testing.T) {
	var now atomic.Int64
	now.Store(testTime.UnixNano())
	h := newHarness(t, func(c *web.Config) {
		c.Clock = func() time.Time { return time.Unix(0, now.Load()) }
	})
	me := h.open("pl")
	me.start()
	const id = "retry-0000000001"
	body := func() map[string]any { return map[string]any{"id": id, "choice": "pieniadze"} }
	first := me.post(body(), nil)
	if first.status != http.StatusOK || !strings.Contains(first.text(), "Dla kogo") {
		t.Fatalf("first: %d %q", first.status, first.text())
	}
	again := me.post(body(), nil)
	if again.status != http.StatusOK || again.text() != first.text() || !slices.Equal(again.choices(), first.choices()) {
		t.Fatalf("retry: %d %q %v, want the first answer again", again.status, again.text(), again.choices())
	}
	if first.Repeat || !again.Repeat {
		t.Errorf("repeat: first %v, retry %v; want only the retry marked", first.Repeat, again.Repeat)
	}
	if n := h.rec.count(id); n != 1 {
		t.Errorf("the message reached the engine %d times, want once", n)
	}
	// Another replica has not kept the answer: the engine's dedupe answers.
	_, other := h.replica()
	me.base = other.URL
	if a := me.post(body(), nil); a.status != http.StatusOK || len(a.Replies) != 0 || a.Repeat {
		t.Errorf("retry on another replica: %d %q repeat %v, want 200, no replies, not marked", a.status, a.text(), a.Repeat)
	}
	me.base = h.srv.URL
	// Applied twice, the second press would be a misunderstanding at the
	// next question.
	if a := me.press("ja"); !strings.Contains(a.text(), "Czego potrzebujesz") || !slices.Contains(a.choices(), "jedzenie") {
		t.Errorf("after the retries the bot says %q %v", a.text(), a.choices())
	}
	// Kept for minutes, not for ever.
	now.Add(int64(5*time.Minute + time.Second))
	if a := me.post(body(), nil); a.status != http.StatusOK || len(a.Replies) != 0 {
		t.Errorf("retry after 5 minutes: %d %q, want 200 and no replies", a.status, a.text())
	}

	// The engine failed (the store was down): the retry is applied.
	const failing = "retry-0000000002"
	h.rec.failOnce(failing)
	if a := me.post(map[string]any{"id": failing, "text": "/pomoc"}, nil); a.status != http.StatusOK || len(a.Replies) != 0 {
		t.Fatalf("a failed message: %d %q", a.status, a.text())
	}
	if a := me.post(map[string]any{"id": failing, "text": "/pomoc"}, nil); !strings.Contains(a.text(), "/czlowiek") {
		t.Errorf("its retry: %d %q, want the help", a.status, a.text())
	}

	// Two attempts at once: one reaches the engine, both get its answer.
	const slow = "retry-0000000003"
	release := h.rec.hold(slow)
	defer release()
	answers := make(chan string, 2)
	for range 2 {
		go func() {
			answers <- rawPost(h.srv.URL, me, `{"id":"`+slow+`","text":"/pomoc"}`)
		}()
	}
	eventually(t, "the first attempt at the engine", wait, func() bool { return h.rec.count(slow) > 0 })
	time.Sleep(50 * time.Millisecond) // let the second attempt arrive (the test holds either way)
	release()
	a, b := <-answers, <-answers
	if !strings.Contains(a, "/czlowiek") || strings.Replace(a, `,"repeat":true`, "", 1) != strings.Replace(b, `,"repeat":true`, "", 1) {
		t.Errorf("two attempts at once got %.80q and %.80q, want the same help", a, b)
	}
	if strings.Contains(a, `"repeat":true`) == strings.Contains(b, `"repeat":true`) {
		t.Errorf("two attempts at once: want one answer marked a repeat:\n%s\n%s", a, b)
	}
	if n := h.rec.count(slow); n != 1 {
		t.Errorf("two attempts at once reached the engine %d times", n)
	}
}

// rawPost posts a message body with the resident's cookie and token and
// returns the answer's body, or the error's text; safe in a goroutine.
func rawPost(base string, r *resident, body string) string {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/chat/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Okienko-Csrf", r.csrf)
	res, err := r.client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return fmt.Sprintf("%d %s", res.StatusCode, data)
}

// TestLanguages: the page's interface language follows Accept-Language,
// the greeting is in it, and the channel's own answers use it too.
func TestLanguages(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		accept, want, greeting, tooLong string
	}{
		{"uk-UA,uk;q=0.9,pl;q=0.5", "uk", "Добрий день", "задовге"},
		{"en-GB,en;q=0.8", "en", "Hello!", "too long"},
		{"de-DE,fr;q=0.5", "pl", "Dzień dobry", "za długa"},
		{"ru-RU", "uk", "Добрий день", "задовге"},
		{"pl;q=0.3,en;q=0.9", "en", "Hello!", "too long"},
	} {
		me := h.open(tc.accept)
		page := me.reload()
		if !strings.Contains(page, `<html lang="`+tc.want+`"`) {
			t.Errorf("%s: page not in %s", tc.accept, tc.want)
		}
		me.lang = tc.want
		if g := me.start(); !strings.Contains(g.text(), tc.greeting) {
			t.Errorf("%s: greeting %q, want %q", tc.accept, g.text(), tc.greeting)
		}
		a := me.post(map[string]any{"text": strings.Repeat("ą", 2001)}, nil)
		if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.Error, tc.tooLong) || !strings.Contains(a.Error, "2001") {
			t.Errorf("%s: too long: %d %q", tc.accept, a.status, a.Error)
		}
	}
}

// TestPageSessions: each resident gets their own session and token; a
// token works only with its own cookie, and the session endpoint hands
// the page the token of the cookie it holds.
func TestPageSessions(t *testing.T) {
	h := newHarness(t, nil)
	a, b := h.open("pl"), h.open("pl")
	if a.csrf == b.csrf {
		t.Error("two residents got the same CSRF token")
	}
	a.start()
	a.say("Nie mam pieniędzy na jedzenie")
	// b's token does not work with a's cookie.
	b.client.Jar = a.client.Jar
	if got := b.post(map[string]any{"text": "hej"}, nil); got.status != http.StatusForbidden || got.Code != "session" {
		t.Errorf("another session's token: %d %q", got.status, got.Code)
	}
	// The session endpoint gives the token of the cookie held.
	res, err := a.client.Get(a.base + "/api/chat/session")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s struct {
		CSRF  string `json:"csrf"`
		Fresh bool   `json:"fresh"`
	}
	if err := jsonDecode(res.Body, &s); err != nil || s.CSRF != a.csrf || s.Fresh {
		t.Errorf("session endpoint: %+v %v, want a's token, not fresh", s, err)
	}
}

// TestSendValidation: Send refuses what is not a web chat id or an empty
// reply, and delivers otherwise.
func TestSendValidation(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		chat  string
		reply bot.Reply
		ok    bool
	}{
		{"0123456789abcdef0123456789abcdef", bot.Reply{Text: "Anna: dzień dobry"}, true},
		{"0123456789abcdef0123456789abcdef", bot.Reply{}, false},
		{"12345", bot.Reply{Text: "x"}, false},
		{"0123456789ABCDEF0123456789ABCDEF", bot.Reply{Text: "x"}, false},
		{"../../etc", bot.Reply{Text: "x"}, false},
	} {
		err := h.chat.Send(tc.chat, tc.reply)
		if (err == nil) != tc.ok {
			t.Errorf("Send(%q, %+v) = %v, want ok %v", tc.chat, tc.reply, err, tc.ok)
		}
	}
}

// TestNoMessageTextInLogs: what residents write and staff answer never
// reaches the logs, nor do cookies, tokens or chat ids, even when requests
// are refused.
func TestNoMessageTextInLogs(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.RateBurst = 8 })
	me := h.open("pl")
	me.start()
	secret := "Mój mąż pije i nie mam pieniędzy na jedzenie zadzwoń 501234567"
	me.say(secret)
	_, chatID, _ := strings.Cut(firstKey(t, h, me), ":")
	if err := h.chat.Send(chatID, bot.Reply{Text: "Anna: proszę przyjść jutro o 10"}); err != nil {
		t.Fatal(err)
	}
	me.post(map[string]any{"text": secret + strings.Repeat("!", 3000)}, nil)
	me.post(map[string]any{"text": secret}, map[string]string{"X-Okienko-Csrf": "forged"})
	for range 10 {
		if a := me.post(map[string]any{"text": secret}, nil); a.status == http.StatusTooManyRequests {
			break
		}
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "web request refused") {
		t.Fatalf("the test made no refusals to log:\n%s", logs)
	}
	for _, leak := range []string{"pije", "jedzenie", "501234567", "proszę przyjść", me.csrf, me.cookie().Value, chatID} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs carry %q:\n%s", leak, logs)
		}
	}
}

// firstKey is the resident's conversation key, learnt through a case.
func firstKey(t *testing.T, h *harness, r *resident) string {
	t.Helper()
	r.say("/czlowiek")
	r.press("czat")
	r.press("tak")
	cases := h.desk.opened()
	if len(cases) == 0 {
		t.Fatal("no case opened")
	}
	return cases[len(cases)-1].Key
}

func TestNewValidatesConfig(t *testing.T) {
	eng := newEngine(t, nil, nil, nil)
	for _, tc := range []struct {
		name string
		cfg  web.Config
		ok   bool
	}{
		{"defaults", web.Config{}, true},
		{"short secret", web.Config{Secret: []byte("short")}, false},
		{"origin with path", web.Config{AllowedOrigins: []string{"https://cus.example.pl/strona"}}, false},
		{"origin without scheme", web.Config{AllowedOrigins: []string{"cus.example.pl"}}, false},
		{"origin with injection", web.Config{AllowedOrigins: []string{"https://a.pl; script-src *"}}, false},
		{"good origins", web.Config{AllowedOrigins: []string{"https://www.cus.example.pl/", "http://localhost:8000"}}, true},
		{"negative hops", web.Config{ProxyHops: -1}, false},
		{"public URL", web.Config{PublicURL: "https://czat.cus.example.pl"}, true},
		{"public URL over plain HTTP", web.Config{PublicURL: "http://localhost:8080/"}, true},
		{"public URL with a path", web.Config{PublicURL: "https://cus.example.pl/czat"}, false},
		{"public URL without scheme", web.Config{PublicURL: "czat.cus.example.pl"}, false},
		{"public URL of another scheme", web.Config{PublicURL: "ftp://czat.cus.example.pl"}, false},
	} {
		_, err := web.New(tc.cfg, eng)
		if (err == nil) != tc.ok {
			t.Errorf("%s: New = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if _, err := web.New(web.Config{}, nil); err == nil {
		t.Error("New without a handler succeeded")
	}
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRegisterBesideOtherRoutes: the chat's routes go on the server's mux
// next to health checks, metrics, Slack and a Telegram webhook at "/"
// without a conflict: GET / is the page, a POST to / still reaches the
// webhook.
func TestRegisterBesideOtherRoutes(t *testing.T) {
	h := newHarness(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("webhook")) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("slack")) })
	h.chat.Register(mux)
	for _, tc := range []struct{ method, path, want string }{
		{http.MethodGet, "/", "okienko-csrf"},
		{http.MethodGet, "/chat?embed=1", "okienko-csrf"},
		{http.MethodGet, "/widget.js", "Okienko widget"},
		{http.MethodPost, "/", "webhook"},
		{http.MethodGet, "/healthz", "ok"},
		{http.MethodPost, "/slack/events", "slack"},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s %s: %d %.80q, want %q", tc.method, tc.path, rec.Code, rec.Body.String(), tc.want)
		}
	}
}
