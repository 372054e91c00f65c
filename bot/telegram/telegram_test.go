package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/memory"
	"okienko/bot/script"
	"okienko/bot/telegram"
	"okienko/bot/telegram/telegramtest"
	"okienko/dialogs"
)

// The engine is what the channel talks to in production.
var _ telegram.Handler = (*bot.Engine)(nil)

// token looks like a real one; every test checks it never reaches the logs.
const token = "7012345678:AAF-secretPart_0123456789abcdefghijk"

// testTime is a working Tuesday morning: the Centre is open.
var testTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("CET", 3600))

func newEngine(t testing.TB) *bot.Engine {
	t.Helper()
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatalf("bundled dialogs: %v", probs.Err())
	}
	eng, err := bot.New(bot.Config{
		Script: sc,
		Store:  memory.New(),
		Clock:  func() time.Time { return testTime },
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// recorder passes messages to a handler and keeps what went in and out.
type recorder struct {
	next telegram.Handler
	mu   sync.Mutex
	msgs []bot.Message
	evs  [][]bot.Event
}

func (r *recorder) Handle(ctx context.Context, m bot.Message) ([]bot.Event, error) {
	evs, err := r.next.Handle(ctx, m)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	r.evs = append(r.evs, evs)
	return evs, err
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

func (r *recorder) events(kind bot.EventKind) []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bot.Event
	for _, evs := range r.evs {
		for _, ev := range evs {
			if ev.Kind == kind {
				out = append(out, ev)
			}
		}
	}
	return out
}

// harness runs a Bot against the fake Bot API.
type harness struct {
	srv  *telegramtest.Server
	rec  *recorder
	bot  *telegram.Bot
	logs *logtest.Buffer
	stop func() error
}

// fastConfig keeps Telegram's shape with test-sized intervals.
func fastConfig(srv *telegramtest.Server, logs *logtest.Buffer) telegram.Config {
	return telegram.Config{
		Token:             token,
		APIEndpoint:       srv.Endpoint(),
		PollTimeout:       time.Second,
		PerChatInterval:   20 * time.Millisecond,
		MessagesPerSecond: 1000,
		DrainTimeout:      5 * time.Second,
		Logger:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// start runs a Bot on h (an engine if nil) until the test ends.
func start(t *testing.T, srv *telegramtest.Server, h telegram.Handler, edit func(*telegram.Config)) *harness {
	t.Helper()
	if srv == nil {
		srv = telegramtest.New(t, token)
	}
	if h == nil {
		h = newEngine(t)
	}
	hs := &harness{srv: srv, rec: &recorder{next: h}, logs: &logtest.Buffer{}}
	cfg := fastConfig(srv, hs.logs)
	if edit != nil {
		edit(&cfg)
	}
	b, err := telegram.New(cfg, hs.rec)
	if err != nil {
		t.Fatal(err)
	}
	hs.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	var runErr error
	hs.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = errors.New("Run did not return within 10 s of cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := hs.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
		if logs := hs.logs.String(); strings.Contains(logs, token) || strings.Contains(logs, "secretPart") {
			t.Errorf("the token is in the logs:\n%s", logs)
		}
	})
	return hs
}

const timeout = 5 * time.Second

// lastButtons returns the callback data of the buttons under the last
// message.
func lastButtons(ms []telegramtest.Message) []string {
	if len(ms) == 0 {
		return nil
	}
	var out []string
	for _, b := range ms[len(ms)-1].Keyboard.Buttons() {
		out = append(out, b.CallbackData)
	}
	return out
}

func TestConversationFromStartToHandoff(t *testing.T) {
	h := start(t, nil, nil, nil)
	const me = 501
	h.srv.PrivateText(me, "pl", "/start")
	ms := h.srv.WaitMessages(t, me, 1, timeout)
	if !strings.Contains(ms[0].Text, "Jestem Okienko") {
		t.Fatalf("welcome = %q", ms[0].Text)
	}
	if got := lastButtons(ms); !slices.Contains(got, "seniorzy") || !slices.Contains(got, "inne") {
		t.Fatalf("topic buttons = %q", got)
	}
	if ms[0].ParseMode != "" {
		t.Errorf("parse_mode = %q, want plain text", ms[0].ParseMode)
	}

	// A choice by button: the keyboard is replaced by the choice.
	var label string
	for _, b := range ms[0].Keyboard.Buttons() {
		if b.CallbackData == "inne" {
			label = b.Text
		}
	}
	question := ms[0].Text
	_, query := h.srv.Press(me, "pl", ms[0].MessageID, "inne")
	ms = h.srv.WaitMessages(t, me, 2, timeout)
	if !strings.Contains(ms[1].Text, "własnymi słowami") {
		t.Fatalf("after pressing inne: %q", ms[1].Text)
	}
	if !h.srv.Answered(query) {
		t.Error("callback query not answered")
	}
	if ms[0].Keyboard != nil || ms[0].Text != question+"\n\n✔ "+label {
		t.Errorf("pressed message not marked: keyboard %v, text ends %q, want the label %q", ms[0].Keyboard, tail(ms[0].Text), label)
	}

	// A free description: nothing found (no catalogue), a person offered.
	h.srv.PrivateText(me, "pl", "szukam pomocy dla mamy, która nie może sama chodzić do sklepu")
	ms = h.srv.WaitMessages(t, me, 3, timeout)
	if !strings.Contains(ms[2].Text, "pracownik") {
		t.Fatalf("after the description: %q", ms[2].Text)
	}

	// A person: contact by chat, consent, handoff.
	h.srv.PrivateText(me, "pl", "/czlowiek")
	ms = h.srv.WaitMessages(t, me, 4, timeout)
	if got := lastButtons(ms); !slices.Equal(got, []string{"czat", "telefon"}) {
		t.Fatalf("contact buttons = %q", got)
	}
	h.srv.Press(me, "pl", ms[3].MessageID, "czat")
	ms = h.srv.WaitMessages(t, me, 5, timeout)
	if !strings.Contains(ms[4].Text, "30 dniach") {
		t.Fatalf("consent question: %q", ms[4].Text)
	}
	h.srv.Press(me, "pl", ms[4].MessageID, "tak")
	ms = h.srv.WaitMessages(t, me, 6, timeout)
	// No staff channel in this test: no promise of an answer in the chat,
	// the Centre's phone instead.
	if !strings.Contains(ms[5].Text, "Nie mogę teraz przekazać") || !strings.Contains(ms[5].Text, "55 000 00 00") || strings.Contains(ms[5].Text, "Przekazano") {
		t.Fatalf("after consent: %q", ms[5].Text)
	}
	cases := h.rec.events(bot.EventHandoff)
	if len(cases) != 1 || !cases[0].Handoff.Consent || cases[0].Handoff.Contact != "chat" {
		t.Fatalf("handoff events = %+v", cases)
	}
	if cases[0].Handoff.Key != "telegram:501" {
		t.Errorf("case key = %q", cases[0].Handoff.Key)
	}

	// What the engine was given.
	msgs := h.rec.messages()
	want := []bot.Message{
		{Channel: "telegram", ChatID: "501", Text: "/start", Language: "pl"},
		{Channel: "telegram", ChatID: "501", Choice: "inne", Language: "pl"},
		{Channel: "telegram", ChatID: "501", Text: "szukam pomocy dla mamy, która nie może sama chodzić do sklepu", Language: "pl"},
		{Channel: "telegram", ChatID: "501", Text: "/czlowiek", Language: "pl"},
		{Channel: "telegram", ChatID: "501", Choice: "czat", Language: "pl"},
		{Channel: "telegram", ChatID: "501", Choice: "tak", Language: "pl"},
	}
	if len(msgs) != len(want) {
		t.Fatalf("engine got %d messages, want %d: %+v", len(msgs), len(want), msgs)
	}
	for i := range want {
		got := msgs[i]
		if got.EventID == "" {
			t.Errorf("message %d has no EventID", i)
		}
		if strings.HasPrefix(got.EventID, "cb:") != (got.DeliveryID != "") {
			t.Errorf("message %d: delivery id %q; want one for presses only", i, got.DeliveryID)
		}
		got.EventID, got.DeliveryID = "", ""
		if got != want[i] {
			t.Errorf("message %d = %+v, want %+v", i, got, want[i])
		}
	}

	// Typing is shown before each reply.
	var kinds []string
	for _, c := range h.srv.Calls("sendChatAction", "sendMessage") {
		kinds = append(kinds, c.Method)
	}
	if len(kinds) < 2 || kinds[0] != "sendChatAction" || kinds[1] != "sendMessage" {
		t.Errorf("calls = %q, want typing first", kinds)
	}
	if n := len(h.srv.Calls("sendChatAction")); n != len(want) {
		t.Errorf("%d typing indicators for %d messages", n, len(want))
	}
}

func tail(s string) string {
	r := []rune(s)
	if len(r) > 30 {
		r = r[len(r)-30:]
	}
	return string(r)
}

func TestButtonDoubleTapCountsOnce(t *testing.T) {
	h := start(t, nil, nil, nil)
	const me = 502
	h.srv.PrivateText(me, "pl", "/start")
	ms := h.srv.WaitMessages(t, me, 1, timeout)
	_, q1 := h.srv.Press(me, "pl", ms[0].MessageID, "seniorzy")
	_, q2 := h.srv.Press(me, "pl", ms[0].MessageID, "seniorzy")
	h.srv.WaitConfirmed(t, timeout)
	h.srv.PrivateText(me, "pl", "/pomoc") // a later message, to know the queue is through
	ms = h.srv.WaitMessages(t, me, 3, timeout)
	time.Sleep(100 * time.Millisecond)
	ms = h.srv.Messages(me)
	if len(ms) != 3 || !strings.Contains(ms[1].Text, "Dla kogo") || !strings.Contains(ms[2].Text, "/czlowiek") {
		t.Fatalf("messages = %q, want welcome, one answer to the tap, help", texts(ms))
	}
	if !h.srv.Answered(q1) || !h.srv.Answered(q2) {
		t.Error("both taps must be answered (the spinner stops)")
	}
	if n := len(h.srv.Calls("editMessageText", "editMessageReplyMarkup")); n != 1 {
		t.Errorf("%d keyboard edits, want 1", n)
	}
}

func texts(ms []telegramtest.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

func TestRedeliveredUpdatesAnsweredOnce(t *testing.T) {
	srv := telegramtest.New(t, token)
	eng := newEngine(t) // the store outlives the restart, as Redis does
	h := start(t, srv, eng, nil)
	const me = 503
	id := srv.PrivateText(me, "pl", "/start")
	srv.WaitMessages(t, me, 1, timeout)
	srv.WaitConfirmed(t, timeout)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// After a restart Telegram delivers the update again: the store knows it.
	srv.Redeliver(id)
	h2 := start(t, srv, eng, nil)
	srv.WaitConfirmed(t, timeout)
	srv.PrivateText(me, "pl", "/pomoc")
	srv.WaitMessages(t, me, 2, timeout)
	time.Sleep(100 * time.Millisecond)
	if ms := srv.Messages(me); len(ms) != 2 {
		t.Fatalf("messages = %q, want the welcome once and the help", texts(ms))
	}
	if got := h2.rec.messages(); len(got) != 2 || got[0].EventID != strconv.Itoa(id) {
		t.Fatalf("engine got %+v", got)
	}

	// Within one process the same update twice is skipped before the engine.
	srv.Redeliver(id)
	srv.WaitConfirmed(t, timeout)
	if got := h2.rec.messages(); len(got) != 2 {
		t.Fatalf("engine got the redelivery again: %+v", got)
	}
}

func TestWebhook(t *testing.T) {
	srv := telegramtest.New(t, token)
	var b *telegram.Bot
	var mu sync.Mutex
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := b
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer web.Close()
	const secret = "s3cret-Token_for-webhook"
	h := start(t, srv, nil, func(c *telegram.Config) {
		c.Mode = telegram.Webhook
		c.WebhookURL = web.URL + "/telegram"
		c.SecretToken = secret
		c.MaxBodyBytes = 4096
	})
	mu.Lock()
	b = h.bot
	mu.Unlock()
	deadline := time.Now().Add(timeout)
	for {
		if u, s := srv.Webhook(); u != "" {
			if u != web.URL+"/telegram" || s != secret {
				t.Fatalf("setWebhook url %q secret %q", u, s)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no setWebhook")
		}
		time.Sleep(5 * time.Millisecond)
	}
	calls := h.srv.Calls("setWebhook")
	if got := calls[0].Params.Get("allowed_updates"); got != `["message","edited_message","callback_query"]` {
		t.Errorf("allowed_updates = %s", got)
	}

	const me = 504
	id := srv.PrivateText(me, "uk", "/start")
	if status, err := srv.Deliver(id); err != nil || status != http.StatusOK {
		t.Fatalf("deliver: %d %v", status, err)
	}
	ms := srv.WaitMessages(t, me, 1, timeout)
	if !strings.Contains(ms[0].Text, "Я Okienko") {
		t.Errorf("welcome in Ukrainian = %q", ms[0].Text)
	}
	// Telegram retries a webhook it thinks failed: no second answer.
	if status, err := srv.Deliver(id); err != nil || status != http.StatusOK {
		t.Fatalf("redeliver: %d %v", status, err)
	}

	update := srv.Update(srv.PrivateText(me, "uk", "/pomoc"))
	post := func(body []byte, header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, web.URL+"/telegram", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	big := append([]byte(`{"update_id":1,"message":{"text":"`), bytes.Repeat([]byte("a"), 5000)...)
	big = append(big, `"}}`...)
	for _, tc := range []struct {
		name   string
		body   []byte
		header map[string]string
		want   int
	}{
		{"missing secret", update, nil, http.StatusUnauthorized},
		{"wrong secret", update, map[string]string{telegram.SecretHeader: "s3cret-Token_for-webhooK"}, http.StatusUnauthorized},
		{"secret prefix", update, map[string]string{telegram.SecretHeader: "s3cret"}, http.StatusUnauthorized},
		{"oversized body", big, map[string]string{telegram.SecretHeader: secret}, http.StatusRequestEntityTooLarge},
		{"not JSON", []byte("<xml/>"), map[string]string{telegram.SecretHeader: secret}, http.StatusBadRequest},
	} {
		if got := post(tc.body, tc.header); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	resp, err := http.Get(web.URL + "/telegram")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", resp.StatusCode)
	}

	time.Sleep(100 * time.Millisecond)
	if ms := srv.Messages(me); len(ms) != 1 {
		t.Errorf("messages = %q, want only the welcome", texts(ms))
	}
	if n := len(h.rec.messages()); n != 1 {
		t.Errorf("engine got %d messages, want 1 (the redelivery is skipped)", n)
	}
	if n := len(srv.Calls("getUpdates")); n != 0 {
		t.Errorf("webhook mode called getUpdates %d times", n)
	}
}
