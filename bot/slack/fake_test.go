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

	"okienko/bot"
	"okienko/bot/desk"
	"okienko/bot/logtest"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
	"okienko/bot/slack/slackfake"
)

const (
	testToken   = "xoxb-test-token-0123456789"
	testSecret  = "8f742231b10e8888abcd99yyyzzz85a5"
	testChannel = "CSTAFF"
	testOnDuty  = "SDUTY"
)

// fakeSlack is the loopback Slack of these tests: the one fake of the
// Web API (slackfake), with the shorthands the tests use.
type fakeSlack struct {
	*slackfake.Server
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{slackfake.New(t, testToken)}
	f.SetName("UX", "Obcy") // not a member of the staff channel
	return f
}

func (f *fakeSlack) url() string { return f.URL() }

func (f *fakeSlack) failNext(method string, codes ...int) { f.FailNext(method, codes...) }

// callsOf lists the calls of a method.
func (f *fakeSlack) callsOf(method string) []slackfake.Call { return f.Calls(method) }

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
func (f *fakeSlack) message(ts string) url.Values { return f.Message(ts) }

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
	outbox *redis.Outbox
	book   *redis.CaseBook
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
func newHarnessWith(t *testing.T, engine func(*redis.Store) StaffHandler, tweak ...func(*Config)) *harness {
	t.Helper()
	return buildHarness(t, engine, true, tweak...)
}

// newIdleHarness builds the harness with its desk not delivering the
// outbox: h.start starts it.
func newIdleHarness(t *testing.T, tweak ...func(*Config)) *harness {
	t.Helper()
	return buildHarness(t, nil, false, tweak...)
}

// newRealIdleHarness is newIdleHarness on a real redis-server on loopback
// (redistest) instead of the embedded one.
func newRealIdleHarness(t *testing.T, tweak ...func(*Config)) *harness {
	t.Helper()
	srv := redistest.Start(t)
	return buildHarnessOn(t, srv.URL(), nil, false, tweak...)
}

func buildHarness(t *testing.T, engine func(*redis.Store) StaffHandler, run bool, tweak ...func(*Config)) *harness {
	t.Helper()
	emb, err := redis.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	return buildHarnessOn(t, emb.URL(), engine, run, tweak...)
}

func buildHarnessOn(t *testing.T, url string, engine func(*redis.Store) StaffHandler, run bool, tweak ...func(*Config)) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store, err := redis.New(ctx, redis.Config{URL: url})
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
		outbox: redis.NewOutbox(store, "slack"),
		book:   redis.NewCaseBook(store),
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
	var eng StaffHandler = h.engine
	if engine != nil {
		eng = engine(store)
	}
	deps := Deps{Staff: eng, Outbox: h.outbox, Cases: h.book, Queue: h.book, Marks: h.book}
	if fs, ok := eng.(FileSource); ok {
		deps.Files = fs // bot.StaffRelay, as cmd/okienko wires it
	}
	h.desk, err = New(cfg, deps)
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
func (h *harness) replica(name string, wrap func(desk.Outbox, desk.Book) (desk.Outbox, desk.Book)) *Desk {
	h.t.Helper()
	cfg := h.cfg
	cfg.Consumer = name
	var out desk.Outbox = h.outbox
	var book desk.Book = h.book
	if wrap != nil {
		out, book = wrap(out, book)
	}
	d, err := New(cfg, Deps{Staff: h.engine, Outbox: out, Cases: book, Queue: book, Marks: book})
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
	deadline := time.Now().Add(30 * time.Second) // generous: a busy machine makes delivery slower, not wrong
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

// event posts an Events API message event. msg's "text" is what the
// person typed: it is delivered escaped, as Slack does; "mrkdwn" instead
// gives the text in Slack's markup as is (mentions, links).
func (h *harness) event(eventID string, msg map[string]any, modify ...func(*http.Request)) int {
	h.t.Helper()
	msg["type"] = "message"
	if _, ok := msg["channel"]; !ok {
		msg["channel"] = testChannel
	}
	if typed, ok := msg["text"].(string); ok {
		msg["text"] = slackfake.Escape(typed)
	}
	if m, ok := msg["mrkdwn"].(string); ok {
		msg["text"] = m
		delete(msg, "mrkdwn")
	}
	if ts, ok := msg["ts"]; ok {
		msg["event_ts"] = ts
	}
	msg["channel_type"], msg["team"] = "channel", "T1"
	body, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"authed_users": []string{"UBOT"}, "event_id": eventID, "event_time": time.Now().Unix(), "event": msg,
	})
	code, _ := h.post("/slack/events", "application/json", body, modify...)
	return code
}

// say records a message user typed in a case thread in the fake Slack
// and delivers its event under eventID, as Slack does.
func (h *harness) say(eventID, user, threadTS, mrkdwn string) slackfake.MessageEvent {
	h.t.Helper()
	ev := h.slack.Say(testChannel, threadTS, user, mrkdwn)
	h.deliver(eventID, ev)
	return ev
}

// deliver posts ev's event under eventID (a redelivery, or the same
// message under another event id).
func (h *harness) deliver(eventID string, ev slackfake.MessageEvent) {
	h.t.Helper()
	if code, _ := h.post("/slack/events", "application/json", ev.Envelope(eventID)); code != http.StatusOK {
		h.t.Fatalf("event %s: status %d", eventID, code)
	}
}

var actionSeq atomic.Int64

// click presses a card button as user, with the card as it is now, in
// the block_actions payload Slack posts.
func (h *harness) click(user, actionID, caseID, cardTS string) int {
	h.t.Helper()
	return h.act(slackfake.Action{User: user, Channel: testChannel, TS: cardTS, ActionID: actionID, BlockID: blockActions, Value: caseID})
}

// pick chooses a colleague in the card's users_select as user.
func (h *harness) pick(user, actionID, cardTS, selected string) int {
	h.t.Helper()
	return h.act(slackfake.Action{User: user, Channel: testChannel, TS: cardTS, ActionID: actionID, BlockID: blockActions, SelectedUser: selected})
}

func (h *harness) act(a slackfake.Action) int {
	h.t.Helper()
	a.ActionTS = fmt.Sprintf("1700000100.%06d", actionSeq.Add(1))
	code, _ := h.post("/slack/interactivity", "application/x-www-form-urlencoded", slackfake.Form(h.slack.Payload(a)))
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

// said is the resident's words as an entry for the case thread.
func said(text string) bot.Entry { return bot.Entry{Kind: bot.EntryResident, Text: text} }
