package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/memory"
	"okienko/bot/script"
	"okienko/dialogs"
)

var update = flag.Bool("update", false, "rewrite golden transcripts in testdata")

// testTime is a working Tuesday morning.
var testTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("CET", 3600))

func bundledScript(t testing.TB) *script.Script {
	t.Helper()
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatalf("bundled dialogs: %v", probs.Err())
	}
	return sc
}

type harness struct {
	eng   *bot.Engine
	store *memory.Store
	n     int
	now   time.Time
}

func newHarness(t testing.TB, searcher bot.Searcher) *harness {
	t.Helper()
	h := &harness{store: memory.New(), now: testTime}
	cases := 0
	eng, err := bot.New(bot.Config{
		Script:   bundledScript(t),
		Store:    h.store,
		Searcher: searcher,
		Clock:    func() time.Time { return h.now },
		NewID:    func() string { cases++; return "C" + strconv.Itoa(cases) },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	return h
}

// say sends one line: "[id]" presses a button, anything else is typed.
func (h *harness) say(t testing.TB, line string) []bot.Event {
	t.Helper()
	h.n++
	msg := bot.Message{Channel: "test", ChatID: "42", EventID: strconv.Itoa(h.n), Text: line}
	if id, ok := strings.CutPrefix(line, "["); ok && strings.HasSuffix(id, "]") {
		msg.Text, msg.Choice = "", strings.TrimSuffix(id, "]")
	}
	events, err := h.eng.Handle(context.Background(), msg)
	if err != nil {
		t.Fatalf("handle %q: %v", line, err)
	}
	h.now = h.now.Add(time.Minute)
	return events
}

// transcript renders events for golden files.
func transcript(line string, events []bot.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s\n", line)
	for _, ev := range events {
		switch ev.Kind {
		case bot.EventReply:
			for _, l := range strings.Split(ev.Reply.Text, "\n") {
				fmt.Fprintf(&b, "  %s\n", l)
			}
			for _, c := range ev.Reply.Choices {
				fmt.Fprintf(&b, "  [%s] %s\n", c.ID, c.Label)
			}
		case bot.EventStep:
			fmt.Fprintf(&b, "  · step %s\n", ev.Step)
		case bot.EventSearch:
			fmt.Fprintf(&b, "  · search %q category=%q confident=%v results=%v\n", ev.Search.Query, ev.Search.Category, ev.Search.Confident, ev.Search.Results)
		case bot.EventHandoff:
			c := ev.Handoff
			fmt.Fprintf(&b, "  · handoff %s urgency=%s reason=%s topic=%q consent=%v words=%q phone=%q contact=%s\n", c.ID, c.Urgency, c.Reason, c.Topic, c.Consent, c.Words, c.Phone, c.Contact)
		case bot.EventCrisis:
			fmt.Fprintf(&b, "  · crisis %s\n", ev.Crisis)
		case bot.EventConcern:
			fmt.Fprintf(&b, "  · concern %s\n", ev.Crisis)
		case bot.EventErasure:
			fmt.Fprintf(&b, "  · erasure\n")
		}
	}
	return b.String()
}

// TestTranscripts replays testdata/conversations/*.in (one resident
// message per line) and compares with the .golden transcripts; run with
// -update after an intended change and review the diff.
func TestTranscripts(t *testing.T) {
	ins, err := filepath.Glob("testdata/conversations/*.in")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no conversations in testdata: %v", err)
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, testSearcher(t))
			var b strings.Builder
			for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
				if strings.HasPrefix(line, "#") {
					continue
				}
				b.WriteString(transcript(line, h.say(t, line)))
			}
			golden := strings.TrimSuffix(in, ".in") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./bot -run TestTranscripts -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("transcript differs from %s (run with -update and review the diff):\n%s", golden, diffLines(string(want), got))
			}
		})
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
			if b.Len() > 2000 {
				break
			}
		}
	}
	return b.String()
}

func TestRedeliveredMessageIsNotAppliedTwice(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	msg := bot.Message{Channel: "test", ChatID: "7", EventID: "u1", Text: "/start"}
	first, err := h.eng.Handle(ctx, msg)
	if err != nil || len(first) == 0 {
		t.Fatalf("first delivery: %v, %d events", err, len(first))
	}
	again, err := h.eng.Handle(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("redelivery produced %d events, want none", len(again))
	}
}

// TestConcurrentMessagesOfOneChatApplyInOrderOnce sends many messages of one
// chat at once: each must be applied exactly once (the counter of the
// misunderstood answers would otherwise skip or repeat).
func TestConcurrentMessagesOfOneChatApplyInOrderOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.eng.Handle(ctx, bot.Message{Channel: "test", ChatID: "9", EventID: "0", Text: "/start"}); err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each /pomoc is applied once; the session's version counts the saves.
			_, err := h.eng.Handle(ctx, bot.Message{Channel: "test", ChatID: "9", EventID: strconv.Itoa(i), Text: "/pomoc"})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, _, err := h.store.Load(ctx, "test:9", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != n+1 {
		t.Errorf("session saved %d times, want %d", s.Version, n+1)
	}
}

// failingStore fails every call, like a Redis that is down.
type failingStore struct{}

func (failingStore) Load(context.Context, string, string) (*bot.Session, bool, error) {
	return nil, false, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}
func (failingStore) Save(context.Context, *bot.Session, string) error {
	return errors.New("connection refused")
}
func (failingStore) Erase(context.Context, string) error { return errors.New("connection refused") }

func TestStoreFailureGivesAnApologyWithThePhone(t *testing.T) {
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: failingStore{}})
	if err != nil {
		t.Fatal(err)
	}
	events, err := eng.Handle(context.Background(), bot.Message{Channel: "test", ChatID: "1", Text: "dzień dobry"})
	if !errors.Is(err, bot.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if len(events) != 1 || events[0].Kind != bot.EventReply {
		t.Fatalf("events = %+v, want one apology", events)
	}
	text := events[0].Reply.Text
	if !strings.Contains(text, "55 000 00 00") || strings.Contains(text, "refused") {
		t.Errorf("apology %q must give the Centre's phone and no error text", text)
	}
}

// TestStoreFailureLogsTheChatHashed: the log line of a failed message
// names its conversation only as bot.LogChat does.
func TestStoreFailureLogsTheChatHashed(t *testing.T) {
	var logs logtest.Buffer
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: failingStore{},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	msg := bot.Message{Channel: "telegram", ChatID: "987654321", Text: "dzień dobry"}
	if _, err := eng.Handle(context.Background(), msg); err == nil {
		t.Fatal("no error from a failing store")
	}
	want, _ := json.Marshal(bot.LogChat(msg.Key()).LogValue().String())
	if !strings.Contains(logs.String(), `"chat":`+string(want)) {
		t.Errorf("log %s: want chat %s", logs.String(), want)
	}
	if strings.Contains(logs.String(), msg.ChatID) {
		t.Errorf("log names the chat: %s", logs.String())
	}
}

func TestErasureRemovesTheSession(t *testing.T) {
	h := newHarness(t, nil)
	h.say(t, "/start")
	h.say(t, "[seniorzy]")
	if h.store.Len() != 1 {
		t.Fatalf("sessions = %d, want 1", h.store.Len())
	}
	events := h.say(t, "/usun")
	if h.store.Len() != 0 {
		t.Errorf("after /usun %d sessions remain", h.store.Len())
	}
	var erased bool
	for _, ev := range events {
		erased = erased || ev.Kind == bot.EventErasure
	}
	if !erased {
		t.Error("no erasure event")
	}
}

func TestConsentDecidesWhatStaffSee(t *testing.T) {
	for _, tt := range []struct {
		consent   string
		wantWords bool
	}{
		{"[tak]", true}, {"[nie]", false},
		// Typed answers: a negated word of the "yes" choice is no consent.
		{"Tak, zgadzam się", true}, {"nie", false}, {"Nie zgadzam się", false}, {"nie, nie zgadzam się", false},
	} {
		t.Run(tt.consent, func(t *testing.T) {
			h := newHarness(t, nil)
			h.say(t, "/start")
			h.say(t, "[inne]")
			h.say(t, "potrzebuję pomocy z dokumentami")
			h.say(t, "/czlowiek")
			h.say(t, "[telefon]")
			h.say(t, "501 234 567")
			var cs *bot.Case
			for _, ev := range h.say(t, tt.consent) {
				if ev.Kind == bot.EventHandoff {
					cs = ev.Handoff
				}
			}
			if cs == nil {
				t.Fatal("no handoff")
			}
			if got := cs.Words != "" && cs.Phone == "+48501234567"; got != tt.wantWords {
				t.Errorf("case words=%q phone=%q; details shared = %v, want %v", cs.Words, cs.Phone, got, tt.wantWords)
			}
			if cs.Topic != "inne" {
				t.Errorf("topic = %q, want inne", cs.Topic)
			}
		})
	}
}

// TestTapAgainAfterLostAnswer: a tap again on a keyboard whose press was
// applied (its answer lost to a store failure) gets the question the
// conversation waits on, once; a redelivery, a double tap and another
// button of that keyboard stay silent, and the step does not move.
func TestTapAgainAfterLostAnswer(t *testing.T) {
	h := newHarness(t, nil)
	h.say(t, "/start")
	tap := func(delivery, choice string) []bot.Event {
		t.Helper()
		events, err := h.eng.Handle(context.Background(), bot.Message{Channel: "test", ChatID: "42",
			EventID: "cb:7", DeliveryID: delivery, Choice: choice})
		if err != nil {
			t.Fatal(err)
		}
		return events
	}
	lastReply := func(events []bot.Event) *bot.Reply {
		var r *bot.Reply
		for _, ev := range events {
			if ev.Kind == bot.EventReply {
				r = ev.Reply
			}
		}
		return r
	}
	pressed := h.now
	first := lastReply(tap("100", "seniorzy"))
	if first == nil || len(first.Choices) == 0 {
		t.Fatalf("the press brought no question: %+v", first)
	}
	before, _, _ := h.store.Load(context.Background(), "test:42", "")

	silent := []struct {
		name     string
		after    time.Duration
		delivery string
		choice   string
	}{
		{"double tap", 2 * time.Second, "101", "seniorzy"},
		{"redelivery of the applied update", 10 * time.Second, "100", "seniorzy"},
		{"another button of the keyboard", 10 * time.Second, "103", "rodzina"},
	}
	for _, tt := range silent {
		h.now = pressed.Add(tt.after)
		if events := tap(tt.delivery, tt.choice); len(events) != 0 {
			t.Errorf("%s: %+v; want silence", tt.name, events)
		}
	}
	h.now = pressed.Add(10 * time.Second)
	again := lastReply(tap("102", "seniorzy"))
	if again == nil || !strings.HasSuffix(first.Text, again.Text) || fmt.Sprint(again.Choices) != fmt.Sprint(first.Choices) {
		t.Errorf("tap again: %+v; want the question of the first answer, %+v", again, first)
	}
	for _, d := range []string{"102", "104"} { // its redelivery; another tap at once
		if events := tap(d, "seniorzy"); len(events) != 0 {
			t.Errorf("delivery %s right after the question was asked again: %+v; want silence", d, events)
		}
	}
	after, _, _ := h.store.Load(context.Background(), "test:42", "")
	if after.Step != before.Step || after.Vars["temat"] != before.Vars["temat"] {
		t.Errorf("tap again moved the conversation: step %s→%s", before.Step, after.Step)
	}
}

// flakyEraseStore is the in-process store whose Erase fails the first
// `fails` times, like a Redis that does not answer for a moment.
type flakyEraseStore struct {
	*memory.Store
	fails, calls int
}

func (s *flakyEraseStore) Erase(ctx context.Context, key string) error {
	s.calls++
	if s.calls <= s.fails {
		return errors.New("i/o timeout")
	}
	return s.Store.Erase(ctx, key)
}

// TestEraseIsRetriedAndFailureToldTruthfully: an erasure that fails is
// tried again within the message; one that keeps failing tells the
// resident it did not happen and to try again (not the general apology),
// in their language, and a later /usun erases.
func TestEraseIsRetriedAndFailureToldTruthfully(t *testing.T) {
	tests := []struct {
		name, lang  string
		fails       int
		want        string
		erased      bool
		wantAttempt int
	}{
		{"recovers on a retry", "pl", 2, "Usunięto", true, 3},
		{"keeps failing, Polish", "pl", 100, "Nie udało się teraz usunąć", false, 3},
		{"keeps failing, Ukrainian", "uk", 100, "Зараз не вдалося видалити", false, 3},
		{"keeps failing, English", "en", 100, "could not be deleted just now", false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Helper()
			store := &flakyEraseStore{Store: memory.New(), fails: tt.fails}
			eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: store})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			msg := func(id, text string) bot.Message {
				return bot.Message{Channel: "test", ChatID: "1", EventID: id, Text: text, Language: tt.lang}
			}
			if _, err := eng.Handle(ctx, msg("1", "dzień dobry")); err != nil {
				t.Fatal(err)
			}
			events, err := eng.Handle(ctx, msg("2", "/usun"))
			var texts []string
			erased := false
			for _, ev := range events {
				if ev.Kind == bot.EventReply {
					texts = append(texts, ev.Reply.Text)
				}
				erased = erased || ev.Kind == bot.EventErasure
			}
			all := strings.Join(texts, " ")
			if !strings.Contains(all, tt.want) || erased != tt.erased || store.calls != tt.wantAttempt {
				t.Errorf("replies %q, erasure event %v, %d attempts; want %q, %v, %d", all, erased, store.calls, tt.want, tt.erased, tt.wantAttempt)
			}
			if tt.erased {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrUnavailable) || strings.Contains(all, "problem techniczny") {
				t.Errorf("err = %v, replies %q; want ErrUnavailable and no general apology", err, all)
			}
			store.fails = 0
			events, err = eng.Handle(ctx, msg("3", "/usun"))
			if err != nil || store.Len() != 0 {
				t.Errorf("a later /usun: %v, %d sessions left; want erased", err, store.Len())
			}
			_ = events
		})
	}
}

func TestRandomIDsAreHexAndDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := bot.RandomID(6)
		if len(id) != 12 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("RandomID(6) = %q, want 12 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("RandomID(6) repeated %q within 100 draws", id)
		}
		seen[id] = true
	}
}
