package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/redis"
)

const (
	testToken   = "xoxb-test-token-0123456789"
	testSecret  = "8f742231b10e8888abcd99yyyzzz85a5"
	testChannel = "CSTAFF"
	testOnDuty  = "SDUTY"
)

// call is one Web API call the fake Slack received.
type call struct {
	Method string
	Form   url.Values
}

// fakeSlack is a loopback Slack Web API: slacktest's server with handlers
// for what it lacks (chat.update, conversations.members) and for what it
// does not record or gets wrong (chat.postMessage's ts is whole seconds).
type fakeSlack struct {
	srv *slacktest.Server

	mu       sync.Mutex
	calls    []call
	seq      int
	members  map[string]bool
	names    map[string]string // user id → first name
	fail     map[string][]int  // method → status codes of the next calls
	delay    map[string]time.Duration
	messages map[string]url.Values // ts → the last posted or updated form
	// socketURL is what apps.connections.open answers: the Socket Mode
	// WebSocket of a test.
	socketURL string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{
		members:  map[string]bool{"U1": true, "U2": true},
		names:    map[string]string{"U1": "Anna", "U2": "Piotr", "UX": "Obcy"},
		fail:     map[string][]int{},
		delay:    map[string]time.Duration{},
		messages: map[string]url.Values{},
	}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.members", "users.info", "apps.connections.open"} {
			c.Handle("/"+m, f.handler(m))
		}
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

func (f *fakeSlack) url() string { return f.srv.GetAPIURL() }

func (f *fakeSlack) failNext(method string, codes ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = append(f.fail[method], codes...)
}

func (f *fakeSlack) handler(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		form := r.Form
		if method == "apps.connections.open" {
			// The form is empty: record which token opened the connection.
			form = url.Values{"authorization": {r.Header.Get("Authorization")}}
		}
		f.calls = append(f.calls, call{Method: method, Form: form})
		delay := f.delay[method]
		code := 0
		if q := f.fail[method]; len(q) > 0 {
			code, f.fail[method] = q[0], q[1:]
		}
		f.mu.Unlock()
		time.Sleep(delay)
		switch code {
		case 0:
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(code)
			return
		default:
			http.Error(w, "down", code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		f.mu.Lock()
		defer f.mu.Unlock()
		switch method {
		case "chat.postMessage":
			f.seq++
			ts := fmt.Sprintf("1700000000.%06d", f.seq)
			f.messages[ts] = r.Form
			writeJSON(w, map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": ts})
		case "chat.update":
			f.messages[r.Form.Get("ts")] = r.Form
			writeJSON(w, map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": r.Form.Get("ts"), "text": r.Form.Get("text")})
		case "chat.postEphemeral":
			f.seq++
			writeJSON(w, map[string]any{"ok": true, "message_ts": fmt.Sprintf("1700000000.%06d", f.seq)})
		case "conversations.members":
			var ids []string
			for id := range f.members {
				ids = append(ids, id)
			}
			writeJSON(w, map[string]any{"ok": true, "members": ids, "response_metadata": map[string]string{"next_cursor": ""}})
		case "apps.connections.open":
			if f.socketURL == "" {
				writeJSON(w, map[string]any{"ok": false, "error": "not_allowed"})
				return
			}
			writeJSON(w, map[string]any{"ok": true, "url": f.socketURL})
		case "users.info":
			id := r.Form.Get("user")
			writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
				"id": id, "name": strings.ToLower(f.names[id]), "real_name": f.names[id] + " Kowalska",
				"profile": map[string]any{"first_name": f.names[id], "real_name": f.names[id] + " Kowalska"},
			}})
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }

// callsOf lists the calls of a method.
func (f *fakeSlack) callsOf(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// posts lists chat.postMessage calls that succeeded or not, filtered.
func (f *fakeSlack) posts(match func(url.Values) bool) []url.Values {
	var out []url.Values
	for _, c := range f.callsOf("chat.postMessage") {
		if match == nil || match(c.Form) {
			out = append(out, c.Form)
		}
	}
	return out
}

// message is the last posted or updated form of a message.
func (f *fakeSlack) message(ts string) url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.messages[ts]
}

// fakeEngine records staff events.
type fakeEngine struct {
	mu     sync.Mutex
	events []bot.StaffEvent
	fail   int // fail the next calls
}

func (e *fakeEngine) Staff(_ context.Context, ev bot.StaffEvent) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail > 0 {
		e.fail--
		return fmt.Errorf("engine down")
	}
	e.events = append(e.events, ev)
	return nil
}

func (e *fakeEngine) of(kind bot.StaffKind) []bot.StaffEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []bot.StaffEvent
	for _, ev := range e.events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a desk wired to the fake Slack, a fake engine and the real
// Redis outbox and case book (embedded miniredis).
type harness struct {
	t      *testing.T
	cfg    Config // the desk's, for replicas
	store  *redis.Store
	slack  *fakeSlack
	engine *fakeEngine
	clock  *fakeClock
	desk   *Desk
	outbox *redis.Outbox[OutboxEntry]
	book   *redis.CaseBook[CaseRecord, CaseStatus]
	http   *httptest.Server
	logs   *logtest.Buffer
	ctx    context.Context
}

func newHarness(t *testing.T, tweak ...func(*Config)) *harness {
	t.Helper()
	return newHarnessWith(t, nil, tweak...)
}

// newHarnessWith builds the harness around engine, made from the store the
// desk uses (nil: the recording fakeEngine).
func newHarnessWith(t *testing.T, engine func(*redis.Store) Engine, tweak ...func(*Config)) *harness {
	t.Helper()
	return buildHarness(t, engine, true, tweak...)
}

// newIdleHarness builds the harness with its desk not delivering the
// outbox: h.start starts it.
func newIdleHarness(t *testing.T, tweak ...func(*Config)) *harness {
	t.Helper()
	return buildHarness(t, nil, false, tweak...)
}

func buildHarness(t *testing.T, engine func(*redis.Store) Engine, run bool, tweak ...func(*Config)) *harness {
	t.Helper()
	emb, err := redis.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	ctx, cancel := context.WithCancel(context.Background())
	store, err := redis.New(ctx, redis.Config{URL: emb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })

	h := &harness{
		t:      t,
		store:  store,
		slack:  newFakeSlack(t),
		engine: &fakeEngine{},
		clock:  &fakeClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)},
		outbox: redis.NewOutbox[OutboxEntry](store, "slack"),
		book:   redis.NewCaseBook[CaseRecord, CaseStatus](store),
		logs:   &logtest.Buffer{},
		ctx:    ctx,
	}
	cfg := Config{
		BotToken:      testToken,
		SigningSecret: testSecret,
		Channel:       testChannel,
		OnDutyGroup:   testOnDuty,
		APIURL:        h.slack.url(),
		Clock:         h.clock.Now,
		CheckEvery:    20 * time.Millisecond,
		ReadBlock:     50 * time.Millisecond,
		MinIdle:       50 * time.Millisecond,
		RecordRetry:   300 * time.Millisecond,
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range tweak {
		f(&cfg)
	}
	h.cfg = cfg
	var eng Engine = h.engine
	if engine != nil {
		eng = engine(store)
	}
	h.desk, err = New(cfg, Deps{Engine: eng, Outbox: h.outbox, CaseBook: h.book})
	if err != nil {
		t.Fatal(err)
	}
	h.desk.retryBase = 10 * time.Millisecond
	var stop func()
	if run {
		stop = h.run(h.desk)
	}
	mux := http.NewServeMux()
	mux.Handle("/slack/events", h.desk.EventsHandler())
	mux.Handle("/slack/interactivity", h.desk.InteractivityHandler())
	h.http = httptest.NewServer(mux)
	t.Cleanup(func() {
		h.http.Close()
		if stop != nil {
			stop()
		}
		cancel()
		h.desk.Close()
		for _, secret := range []string{testToken, testSecret} {
			if strings.Contains(h.logs.String(), secret) {
				t.Errorf("a secret was logged")
			}
		}
	})
	return h
}

// run starts d delivering the outbox and checking waiting cases; the
// returned stop ends that (a replica crashing) and waits for it. The test's
// cleanup stops it too.
func (h *harness) run(d *Desk) (stop func()) {
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// start starts the harness's own desk (of newIdleHarness).
func (h *harness) start() (stop func()) { return h.run(h.desk) }

// replica makes another desk on the same Redis, Slack and engine, as
// another process would be, with its own consumer name. wrap may put
// faults around its outbox and case book. It is not running: see run.
func (h *harness) replica(name string, wrap func(Outbox, CaseBook) (Outbox, CaseBook)) *Desk {
	h.t.Helper()
	cfg := h.cfg
	cfg.Consumer = name
	var out Outbox = h.outbox
	var book CaseBook = h.book
	if wrap != nil {
		out, book = wrap(out, book)
	}
	d, err := New(cfg, Deps{Engine: h.engine, Outbox: out, CaseBook: book})
	if err != nil {
		h.t.Fatal(err)
	}
	d.retryBase = 10 * time.Millisecond
	h.t.Cleanup(d.Close)
	return d
}

// eventually waits for cond, failing the test after 5 s.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle lets background work run a while, for "only once" checks.
func settle() { time.Sleep(300 * time.Millisecond) }

// sign signs a request body as Slack does, at time at.
func sign(req *http.Request, body []byte, secret string, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// post sends a body to one of the desk's handlers, signed now unless
// modify changes that.
func (h *harness) post(path, contentType string, body []byte, modify ...func(*http.Request)) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.http.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	sign(req, body, testSecret, time.Now())
	for _, m := range modify {
		m(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// event posts an Events API message event.
func (h *harness) event(eventID string, msg map[string]any, modify ...func(*http.Request)) int {
	h.t.Helper()
	msg["type"] = "message"
	if _, ok := msg["channel"]; !ok {
		msg["channel"] = testChannel
	}
	body, _ := json.Marshal(map[string]any{
		"token": "ignored", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": msg,
	})
	code, _ := h.post("/slack/events", "application/json", body, modify...)
	return code
}

var actionSeq atomic.Int64

// click presses a card button as user, with the card as it is now.
func (h *harness) click(user, actionID, caseID, cardTS string) int {
	h.t.Helper()
	seq := actionSeq.Add(1)
	var blocks json.RawMessage = []byte("[]")
	if m := h.slack.message(cardTS); m != nil && m.Get("blocks") != "" {
		blocks = json.RawMessage(m.Get("blocks"))
	}
	payload, _ := json.Marshal(map[string]any{
		"type":      "block_actions",
		"user":      map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel":   map[string]any{"id": testChannel},
		"container": map[string]any{"type": "message", "message_ts": cardTS, "channel_id": testChannel},
		"message":   map[string]any{"type": "message", "ts": cardTS, "blocks": blocks},
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": blockActions, "type": "button", "value": caseID,
			"action_ts": fmt.Sprintf("1700000100.%06d", seq),
		}},
	})
	body := []byte(url.Values{"payload": {string(payload)}}.Encode())
	code, _ := h.post("/slack/interactivity", "application/x-www-form-urlencoded", body)
	return code
}

// openCase opens a case and waits for its card; it returns the card's ts.
func (h *harness) openCase(c bot.Case) string {
	h.t.Helper()
	if err := h.desk.Open(h.ctx, c); err != nil {
		h.t.Fatal(err)
	}
	var ts string
	h.eventually("card of "+c.ID+" recorded", func() bool {
		rec, found, err := h.book.Get(h.ctx, c.ID)
		ts = rec.ThreadTS
		return err == nil && found && ts != ""
	})
	return ts
}

// ephemerals lists ephemeral texts shown to user.
func (h *harness) ephemerals(user string) []string {
	var out []string
	for _, c := range h.slack.callsOf("chat.postEphemeral") {
		if c.Form.Get("user") == user {
			out = append(out, c.Form.Get("text"))
		}
	}
	return out
}
