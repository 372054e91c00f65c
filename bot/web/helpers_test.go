package web_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/memory"
	"okienko/bot/script"
	"okienko/bot/web"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
	"okienko/dialogs"
)

// The engine is what the chat talks to in production.
var _ web.Handler = (*bot.Engine)(nil)

// testTime is a working Tuesday morning: the Centre is open.
var testTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("CET", 3600))

var (
	indexOnce sync.Once
	index     *catbleve.Index
	indexErr  error
)

// searcher is the bundled sample catalogue's index, built once for the
// package's tests (it is read only).
func searcher(t testing.TB) *catbleve.Index {
	t.Helper()
	indexOnce.Do(func() {
		c, _ := catalog.Sample()
		th, _ := catalog.DefaultThesaurus()
		index, indexErr = catbleve.New(catbleve.Config{Catalog: c, Thesaurus: th, Logger: slog.New(slog.DiscardHandler)})
	})
	if indexErr != nil {
		t.Fatalf("catalogue index: %v", indexErr)
	}
	return index
}

// desk records the cases the engine hands to staff.
type desk struct {
	mu    sync.Mutex
	cases []bot.Case
}

var _ bot.Desk = (*desk)(nil)

func (d *desk) Open(_ context.Context, c bot.Case) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cases = append(d.cases, c)
	return nil
}
func (d *desk) Relay(context.Context, bot.CaseRef, bot.Entry) error { return nil }
func (d *desk) Erased(context.Context, bot.CaseRef) error           { return nil }

func (d *desk) opened() []bot.Case {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]bot.Case(nil), d.cases...)
}

// newEngine is the real engine with the bundled dialogs and catalogue.
func newEngine(t testing.TB, store bot.SessionStore, d bot.Desk, logger *slog.Logger) *bot.Engine {
	t.Helper()
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatalf("bundled dialogs: %v", probs.Err())
	}
	if store == nil {
		store = memory.New()
	}
	cfg := bot.Config{Script: sc, Store: store, Searcher: searcher(t), Clock: func() time.Time { return testTime }, Logger: logger}
	if d != nil {
		cfg.Desk = d
	}
	eng, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// harness is a chat with the real engine behind a loopback HTTP server.
type harness struct {
	t    testing.TB
	eng  *bot.Engine
	rec  *recorder
	chat *web.Chat
	desk *desk
	srv  *httptest.Server
	logs *logtest.Buffer
	cfg  web.Config
}

// recorder passes messages to the engine and remembers the chat ids, so
// that tests can address a resident with Send. It can fail a message once
// (as when the store is down) or hold it until a gate opens.
type recorder struct {
	next  web.Handler
	mu    sync.Mutex
	msgs  []bot.Message
	fail  map[string]bool          // by EventID: fail once
	gates map[string]chan struct{} // by EventID: wait until closed
}

func (r *recorder) Handle(ctx context.Context, m bot.Message) ([]bot.Event, error) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	fail := r.fail[m.EventID]
	delete(r.fail, m.EventID)
	gate := r.gates[m.EventID]
	r.mu.Unlock()
	if fail {
		return nil, errors.New("the store is down")
	}
	if gate != nil {
		<-gate
	}
	return r.next.Handle(ctx, m)
}

// HasConversation passes the engine's answer on, as the engine would
// give it to the chat directly.
func (r *recorder) HasConversation(ctx context.Context, key string) (bool, error) {
	if cc, ok := r.next.(web.ConversationChecker); ok {
		return cc.HasConversation(ctx, key)
	}
	return true, nil
}

// failOnce makes the next message with the event id fail.
func (r *recorder) failOnce(eventID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail == nil {
		r.fail = map[string]bool{}
	}
	r.fail[eventID] = true
}

// hold makes messages with the event id wait until the returned function
// is called.
func (r *recorder) hold(eventID string) (release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gates == nil {
		r.gates = map[string]chan struct{}{}
	}
	gate := make(chan struct{})
	r.gates[eventID] = gate
	return sync.OnceFunc(func() { close(gate) })
}

// total is how many messages reached the handler.
func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// count is how many times a message with the event id reached the
// handler.
func (r *recorder) count(eventID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m.EventID == eventID {
			n++
		}
	}
	return n
}

// lastChatID is the chat id of the latest message.
func (r *recorder) lastChatID(t testing.TB) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		t.Fatal("no message reached the engine")
	}
	return r.msgs[len(r.msgs)-1].ChatID
}

func newHarness(t testing.TB, edit func(*web.Config)) *harness {
	t.Helper()
	h := &harness{t: t, desk: &desk{}, logs: &logtest.Buffer{}}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.eng = newEngine(t, nil, h.desk, logger)
	cfg := web.Config{
		Secret: []byte("test secret of the web chat, 32+"),
		// Every test client comes from 127.0.0.1: a limit that only the
		// rate-limit tests reach.
		RatePerMinute: 6000,
		RateBurst:     1000,
		Centre:        func() script.Centre { return h.eng.Script().Centre },
		Logger:        logger,
	}
	if edit != nil {
		edit(&cfg)
	}
	h.rec = &recorder{next: h.eng}
	h.cfg = cfg
	chat, err := web.New(cfg, h.rec)
	if err != nil {
		t.Fatal(err)
	}
	h.chat = chat
	h.srv = httptest.NewServer(chat)
	t.Cleanup(h.srv.Close)
	return h
}

// replica is another replica of the harness's chat: the same secret,
// engine and mailbox (pass a shared one in the config for replies to
// reach both), a memory of its own.
func (h *harness) replica() (*web.Chat, *httptest.Server) {
	h.t.Helper()
	chat, err := web.New(h.cfg, h.rec)
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(chat)
	h.t.Cleanup(srv.Close)
	return chat, srv
}

// resident is a browser-like client: a cookie jar and the page's token.
type resident struct {
	t      testing.TB
	base   string
	client *http.Client
	csrf   string
	fresh  bool
	lang   string
	run    string // unique per resident, so message ids never repeat by chance
	n      int
}

var (
	csrfRE  = regexp.MustCompile(`<meta name="okienko-csrf" content="([^"]+)">`)
	freshRE = regexp.MustCompile(`<meta name="okienko-fresh" content="([01])">`)
)

// open loads the chat page as a browser would and keeps its token.
func (h *harness) open(lang string) *resident {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	r := &resident{t: h.t, base: h.srv.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, lang: lang, run: rand.Text()[:10]}
	r.reload()
	return r
}

// reload loads the page again, as after pressing F5.
func (r *resident) reload() string {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.base+"/", nil)
	req.Header.Set("Accept-Language", r.lang)
	res, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		r.t.Fatalf("GET /: %d %s", res.StatusCode, body)
	}
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		r.t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	r.csrf = string(m[1])
	r.fresh = string(freshRE.FindSubmatch(body)[1]) == "1"
	return string(body)
}

// answer is a decoded answer of the message endpoint.
type answer struct {
	status  int
	Replies []bot.Reply `json:"replies"`
	Erased  bool        `json:"erased"`
	CSRF    string      `json:"csrf"`
	Repeat  bool        `json:"repeat"`
	Error   string      `json:"error"`
	Code    string      `json:"code"`
}

func (a answer) text() string {
	var parts []string
	for _, r := range a.Replies {
		parts = append(parts, r.Text)
	}
	return strings.Join(parts, "\n")
}

func (a answer) choices() []string {
	var ids []string
	for _, r := range a.Replies {
		for _, c := range r.Choices {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// post sends a message body as the page does, with the given extra
// headers, and decodes the answer.
func (r *resident) post(body map[string]any, headers map[string]string) answer {
	r.t.Helper()
	if _, ok := body["id"]; !ok {
		r.n++
		body["id"] = fmt.Sprintf("msg-%s-%04d", r.run, r.n)
	}
	data, _ := json.Marshal(body)
	return r.postRaw(data, headers)
}

func (r *resident) postRaw(data []byte, headers map[string]string) answer {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+"/api/chat/messages", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", r.base)
	req.Header.Set("X-Okienko-Csrf", r.csrf)
	if r.lang != "" {
		req.Header.Set("X-Okienko-Lang", r.lang)
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &a); err != nil {
		r.t.Fatalf("answer %d is not JSON: %q", res.StatusCode, raw)
	}
	return a
}

// say posts text and expects the engine's replies.
func (r *resident) say(text string) answer {
	r.t.Helper()
	a := r.post(map[string]any{"text": text, "lang": r.lang}, nil)
	if a.status != http.StatusOK {
		r.t.Fatalf("posting %q: %d %s", text, a.status, a.Error)
	}
	return a
}

// press posts a button press and expects the engine's replies.
func (r *resident) press(id string) answer {
	r.t.Helper()
	a := r.post(map[string]any{"choice": id, "lang": r.lang}, nil)
	if a.status != http.StatusOK {
		r.t.Fatalf("pressing %q: %d %s", id, a.status, a.Error)
	}
	return a
}

// start asks for the greeting, as a page opened for the first time does.
func (r *resident) start() answer {
	r.t.Helper()
	a := r.post(map[string]any{"command": "start", "lang": r.lang}, nil)
	if a.status != http.StatusOK {
		r.t.Fatalf("start: %d %s", a.status, a.Error)
	}
	return a
}

// cookie returns the session cookie the jar holds.
func (r *resident) cookie() *http.Cookie {
	req, _ := http.NewRequest(http.MethodGet, r.base+"/", nil)
	for _, c := range r.client.Jar.Cookies(req.URL) {
		if c.Name == "okienko_session" || c.Name == "__Host-okienko_session" {
			return c
		}
	}
	return nil
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// event is one server-sent event as the page's EventSource sees it.
type event struct {
	id, name, data string
}

// stream is an open event stream of a resident.
type stream struct {
	events  chan event
	pings   chan struct{}
	closed  chan struct{}
	status  int
	headers http.Header
	body    string // of a refusal
	retry   string // the last "retry:" field; read once closed
	cancel  context.CancelFunc
}

// listen opens the resident's event stream with the given Last-Event-ID
// (and query) until the test ends.
func (r *resident) listen(lastEventID, query string) *stream {
	r.t.Helper()
	return r.listenWith(map[string]string{"Last-Event-ID": lastEventID}, query)
}

// listenWith opens the resident's event stream with the given headers
// (empty values are left out) until the test ends.
func (r *resident) listenWith(headers map[string]string, query string) *stream {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.t.Cleanup(cancel)
	// The page's token, as the page sends it (a test of its absence
	// passes "t=" itself).
	if !strings.Contains(query, "t=") {
		sep := "?"
		if strings.HasPrefix(query, "?") {
			sep = "&"
		}
		query += sep + "t=" + url.QueryEscape(r.csrf)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/api/chat/events"+query, nil)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	client := &http.Client{Jar: r.client.Jar}
	res, err := client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	s := &stream{events: make(chan event, 100), pings: make(chan struct{}, 100), closed: make(chan struct{}), status: res.StatusCode, headers: res.Header, cancel: cancel}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		s.body = string(b)
		close(s.closed)
		return s
	}
	go func() {
		defer close(s.closed)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.data != "" {
					s.events <- ev
				}
				ev = event{}
			case strings.HasPrefix(line, ": ping"):
				select {
				case s.pings <- struct{}{}:
				default:
				}
			case strings.HasPrefix(line, "retry: "):
				s.retry = strings.TrimPrefix(line, "retry: ")
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s
}

// next waits for the stream's next event.
func (s *stream) next(t testing.TB) event {
	t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-s.closed:
		t.Fatal("the stream ended")
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return event{}
}

// nextText waits for the next reply event and returns its text.
func (s *stream) nextText(t testing.TB) (id, text string) {
	t.Helper()
	ev := s.next(t)
	if ev.name != "reply" {
		t.Fatalf("event %q, want reply", ev.name)
	}
	var r bot.Reply
	if err := json.Unmarshal([]byte(ev.data), &r); err != nil {
		t.Fatalf("event data %q: %v", ev.data, err)
	}
	return ev.id, r.Text
}
