package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/memory"
)

// recordingDesk is the staff side as the engine sees it: it records what
// the engine hands over, in order.
type recordingDesk struct {
	mu     sync.Mutex
	opened []bot.Case
	relays []string
	erased []bot.CaseRef
}

func (d *recordingDesk) Open(_ context.Context, c bot.Case) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opened = append(d.opened, c)
	return nil
}

func (d *recordingDesk) Relay(_ context.Context, ref bot.CaseRef, e bot.Entry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.relays = append(d.relays, ref.ID+" "+string(e.Kind)+": "+e.Text)
	return nil
}

func (d *recordingDesk) Erased(_ context.Context, ref bot.CaseRef) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.erased = append(d.erased, ref)
	return nil
}

func replyText(events []bot.Event) string {
	var parts []string
	for _, ev := range events {
		if ev.Kind == bot.EventReply {
			parts = append(parts, ev.Reply.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TestCaseWithStaff follows a case from the resident's request through a
// person joining, messages both ways, a crisis, the close and the rating.
func TestCaseWithStaff(t *testing.T) {
	desk := &recordingDesk{}
	store := memory.New()
	now := testTime
	ids := 0
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: store, Searcher: testSearcher(t), Desk: desk,
		Clock: func() time.Time { return now }, NewID: func() string { ids++; return "C" + strconv.Itoa(ids) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n := 0
	say := func(line string) string {
		t.Helper()
		n++
		msg := bot.Message{Channel: "test", ChatID: "7", EventID: strconv.Itoa(n), Text: line}
		if id, ok := strings.CutPrefix(line, "["); ok {
			msg.Text, msg.Choice = "", strings.TrimSuffix(id, "]")
		}
		events, err := eng.Handle(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		return replyText(events)
	}
	caseID := "C1"
	staff := func(kind bot.StaffKind, text, id string) string {
		t.Helper()
		events, err := eng.Staff(ctx, bot.StaffEvent{Kind: kind, Case: bot.CaseRef{ID: caseID, Key: "test:7"}, Name: "Anna", Text: text, EventID: id})
		if err != nil {
			t.Fatal(err)
		}
		return replyText(events)
	}

	say("/czlowiek")
	say("[czat]")
	say("[tak]")
	if len(desk.opened) != 1 || desk.opened[0].ID != "C1" || desk.opened[0].Key != "test:7" {
		t.Fatalf("opened cases: %+v", desk.opened)
	}
	if got := say("czy ktoś tu jest?"); !strings.Contains(got, "Przekażę to pracownikowi") {
		t.Errorf("first message before a person joins: %q", got)
	}
	if got := say("halo"); got != "" {
		t.Errorf("the bot repeats itself while waiting: %q", got)
	}
	if got := staff(bot.StaffClaimed, "", "e1"); !strings.Contains(got, "Do rozmowy dołączył(a) Anna") {
		t.Errorf("claim: %q", got)
	}
	if got := say("mam pytanie o zasiłek"); got != "" {
		t.Errorf("the bot talks over the organizer: %q", got)
	}
	if got := staff(bot.StaffMessage, "Dzień dobry, o jaki zasiłek chodzi?", "e2"); got != "Anna: Dzień dobry, o jaki zasiłek chodzi?" {
		t.Errorf("staff message reached the resident as %q", got)
	}
	if got := staff(bot.StaffMessage, "Dzień dobry, o jaki zasiłek chodzi?", "e2"); got != "" {
		t.Errorf("a redelivered staff event was applied again: %q", got)
	}
	// Bold and italic the organizer wrote land on the same words of the
	// reply, after the template's "Anna: ".
	words := "Proszę przynieść decyzję do piątku"
	b, i := strings.Index(words, "przynieść"), strings.Index(words, "do piątku")
	events, err := eng.Staff(ctx, bot.StaffEvent{Kind: bot.StaffMessage, Case: bot.CaseRef{ID: caseID, Key: "test:7"}, Name: "Anna",
		Text: words, EventID: "e2b", Spans: []bot.Span{{Start: b, End: b + len("przynieść"), Style: bot.StyleBold}, {Start: i, End: len(words), Style: bot.StyleItalic},
			{Start: 30, End: 99, Style: bot.StyleBold}}}) // out of range: dropped
	if err != nil {
		t.Fatal(err)
	}
	var styled []string
	for _, e := range events {
		if e.Kind == bot.EventReply && e.Reply != nil {
			for _, sp := range e.Reply.Spans {
				styled = append(styled, string(sp.Style)+":"+e.Reply.Text[sp.Start:sp.End])
			}
		}
	}
	if got := strings.Join(styled, "|"); got != "bold:przynieść|italic:do piątku" {
		t.Errorf("staff formatting in the reply %q; want bold:przynieść|italic:do piątku", got)
	}
	if got := say("nie chce juz zyc"); !strings.Contains(got, "112") {
		t.Errorf("crisis numbers while a case is open: %q", got)
	}
	// Anna holds the case: the crisis reaches her there, as a crisis alert.
	if len(desk.opened) != 1 {
		t.Errorf("a crisis during a claimed case opened another: %+v", desk.opened)
	}
	want := []string{"C1 resident: czy ktoś tu jest?", "C1 resident: halo", "C1 resident: mam pytanie o zasiłek", "C1 crisis: nie chce juz zyc"}
	if strings.Join(desk.relays, "|") != strings.Join(want, "|") {
		t.Errorf("relayed:\n%q\nwant\n%q", desk.relays, want)
	}
	got := staff(bot.StaffClosed, "", "e3")
	if !strings.Contains(got, "zakończył rozmowę") || !strings.Contains(got, "otrzymaną pomoc") {
		t.Errorf("close: %q", got)
	}
	if got := staff(bot.StaffMessage, "jeszcze jedno", "e4"); got != "" {
		t.Errorf("a message on a closed case reached the resident: %q", got)
	}
	if got := say("5"); !strings.Contains(got, "Dziękuję za ocenę") {
		t.Errorf("rating: %q", got)
	}
	s, _, _ := store.Load(ctx, "test:7", "")
	if s.Vars["ocena"] != "5" || s.Case != "" {
		t.Errorf("after the rating: ocena=%q case=%q", s.Vars["ocena"], s.Case)
	}
}

func TestErasureTellsTheDesk(t *testing.T) {
	desk := &recordingDesk{}
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Desk: desk, NewID: func() string { return "C9" }})
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range []string{"/czlowiek", "", "", "/usun"} {
		msg := bot.Message{Channel: "test", ChatID: "8", EventID: strconv.Itoa(i), Text: line}
		switch i {
		case 1:
			msg.Choice = "czat"
		case 2:
			msg.Choice = "tak"
		}
		if _, err := eng.Handle(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if len(desk.erased) != 1 || desk.erased[0].ID != "C9" {
		t.Errorf("erased: %+v", desk.erased)
	}
}

// TestCrisisWhileACaseWaits: nobody holds the case yet; a crisis is an
// alert on that same case (not a second, unlinked one), with the
// resident's words although they gave no consent for details: a crisis
// shares them, as an urgent case would.
func TestCrisisWhileACaseWaits(t *testing.T) {
	desk := &recordingDesk{}
	ids := 0
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Desk: desk,
		NewID: func() string { ids++; return "W" + strconv.Itoa(ids) }})
	if err != nil {
		t.Fatal(err)
	}
	say := func(i int, text, choice string) string {
		events, err := eng.Handle(context.Background(), bot.Message{Channel: "test", ChatID: "9", EventID: strconv.Itoa(i), Text: text, Choice: choice})
		if err != nil {
			t.Fatal(err)
		}
		return replyText(events)
	}
	say(1, "/czlowiek", "")
	say(2, "", "czat")
	say(3, "", "nie") // no consent for details
	if got := say(4, "jeszcze jedno", ""); !strings.Contains(got, "Pracownik jeszcze nie dołączył") {
		t.Errorf("words without consent before a person joins: %q", got)
	}
	if len(desk.relays) != 0 {
		t.Errorf("words without consent reached staff: %q", desk.relays)
	}
	if got := say(5, "on mnie teraz bije", ""); !strings.Contains(got, "112") {
		t.Errorf("crisis reply: %q", got)
	}
	if len(desk.opened) != 1 {
		t.Fatalf("cases: %+v; want the one open case", desk.opened)
	}
	if len(desk.relays) != 1 || desk.relays[0] != "W1 crisis: on mnie teraz bije" {
		t.Errorf("the open case got %q; want the crisis alert", desk.relays)
	}
	say(6, "/usun", "")
	if len(desk.erased) != 1 || desk.erased[0].ID != "W1" {
		t.Errorf("erasure reached %+v, want the case", desk.erased)
	}
}

// TestOpenCaseNeverSwallowsTheResident: at the waiting step, while a case
// is open, a typed "2", "tak, dziękuję" or a button's label are words for
// the person, not answers to the step: they go to the case thread and the
// conversation does not end. A button press is applied, and staff see it.
func TestOpenCaseNeverSwallowsTheResident(t *testing.T) {
	desk := &recordingDesk{}
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Searcher: testSearcher(t), Desk: desk,
		NewID: func() string { return "S1" }})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	say := func(text, choice string) string {
		t.Helper()
		n++
		events, err := eng.Handle(context.Background(), bot.Message{Channel: "test", ChatID: "10", EventID: strconv.Itoa(n), Text: text, Choice: choice})
		if err != nil {
			t.Fatal(err)
		}
		return replyText(events)
	}
	say("/czlowiek", "")
	say("Tutaj, na czacie", "czat")
	say("Tak, zgadzam się", "tak")
	if _, err := eng.Staff(context.Background(), bot.StaffEvent{Kind: bot.StaffClaimed, Case: bot.CaseRef{ID: "S1", Key: "test:10"}, Name: "Anna", EventID: "c"}); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"2", "tak, dziękuję", "Zakończ", "koniec"} {
		if got := say(typed, ""); got != "" {
			t.Errorf("%q: the bot answered %q; want silence (a person holds the case)", typed, got)
		}
	}
	want := []string{"S1 resident: 2", "S1 resident: tak, dziękuję", "S1 resident: Zakończ", "S1 resident: koniec"}
	if strings.Join(desk.relays, "|") != strings.Join(want, "|") {
		t.Errorf("in the thread:\n%q\nwant\n%q", desk.relays, want)
	}
	// An explicit press of the waiting step's button is applied; staff see it.
	if got := say("Zakończ", "koniec"); !strings.Contains(got, "Dziękuję za rozmowę") {
		t.Errorf("the Finish button: %q", got)
	}
	if last := desk.relays[len(desk.relays)-1]; last != "S1 note: Mieszkaniec wybrał w rozmowie z botem: „Zakończ”." {
		t.Errorf("staff were told %q", last)
	}
	// The case is still open: later words still reach the person.
	say("jeszcze jedno pytanie", "")
	if last := desk.relays[len(desk.relays)-1]; last != "S1 resident: jeszcze jedno pytanie" {
		t.Errorf("after the bot's goodbye, words went to %q", last)
	}
}

func TestCyrillicSwitchesToUkrainian(t *testing.T) {
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	msg := bot.Message{Channel: "telegram", ChatID: "5", EventID: "1", Text: "/start", Language: "pl"}
	eng.Handle(context.Background(), msg)
	msg.EventID, msg.Text = "2", "шукаю допомогу для мами"
	events, _ := eng.Handle(context.Background(), msg)
	for _, ev := range events {
		if ev.Kind == bot.EventReply && ev.Reply.Lang != "uk" {
			t.Errorf("reply in %s after a Cyrillic message: %q", ev.Reply.Lang, ev.Reply.Text)
		}
	}
}

// flakyDesk fails its first calls, as a Desk whose queue (Redis) is
// restarting does, then records like recordingDesk.
type flakyDesk struct {
	recordingDesk
	failures atomic.Int32
}

func (d *flakyDesk) Open(ctx context.Context, c bot.Case) error {
	if d.failures.Add(-1) >= 0 {
		return errors.New("outbox: connection refused")
	}
	return d.recordingDesk.Open(ctx, c)
}

// TestCaseReachesADeskThatWasBrieflyDown: the session recording the case
// is saved before the Desk is told, so a Desk failing for a moment must be
// tried again, or the case would exist only in the conversation.
func TestCaseReachesADeskThatWasBrieflyDown(t *testing.T) {
	for _, tc := range []struct {
		failures int32
		retry    time.Duration
		want     int
	}{
		{failures: 3, retry: 5 * time.Second, want: 1},
		{failures: 1000, retry: 200 * time.Millisecond, want: 0}, // down for good: given up, logged
	} {
		desk := &flakyDesk{}
		desk.failures.Store(tc.failures)
		eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Searcher: testSearcher(t), Desk: desk, DeskRetry: tc.retry})
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range []string{"/czlowiek", "[czat]", "[tak]"} {
			msg := bot.Message{Channel: "test", ChatID: "71", EventID: strconv.Itoa(i), Text: line}
			if id, ok := strings.CutPrefix(line, "["); ok {
				msg.Text, msg.Choice = "", strings.TrimSuffix(id, "]")
			}
			if _, err := eng.Handle(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
		}
		desk.mu.Lock()
		got := len(desk.opened)
		desk.mu.Unlock()
		if got != tc.want {
			t.Errorf("%d failures, retry %v: cases opened at the desk %d, want %d", tc.failures, tc.retry, got, tc.want)
		}
	}
}

// lostAnswerStore saves but then reports a failure, as a store whose
// answer was lost on the network does.
type lostAnswerStore struct {
	bot.SessionStore
	lose atomic.Bool
}

func (s *lostAnswerStore) Save(ctx context.Context, sess *bot.Session, eventID string) error {
	err := s.SessionStore.Save(ctx, sess, eventID)
	if err == nil && s.lose.CompareAndSwap(true, false) {
		return errors.New("read tcp 127.0.0.1:6379: i/o timeout")
	}
	return err
}

// TestSaveWhoseAnswerWasLost: a save that happened although the store's
// answer was lost is a success — the resident gets the real answer, not the
// apology, and the case reaches the desk.
func TestSaveWhoseAnswerWasLost(t *testing.T) {
	desk := &recordingDesk{}
	store := &lostAnswerStore{SessionStore: memory.New()}
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: store, Searcher: testSearcher(t), Desk: desk})
	if err != nil {
		t.Fatal(err)
	}
	var last []bot.Event
	for i, line := range []string{"/czlowiek", "[czat]", "[tak]"} {
		msg := bot.Message{Channel: "test", ChatID: "72", EventID: strconv.Itoa(i), Text: line}
		if id, ok := strings.CutPrefix(line, "["); ok {
			msg.Text, msg.Choice = "", strings.TrimSuffix(id, "]")
		}
		store.lose.Store(i == 2) // the save of the consent is not confirmed
		if last, err = eng.Handle(context.Background(), msg); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if text := replyText(last); strings.Contains(text, "Przepraszamy") || text == "" {
		t.Errorf("reply after a lost answer: %q; want the ordinary answer", text)
	}
	desk.mu.Lock()
	defer desk.mu.Unlock()
	if len(desk.opened) != 1 {
		t.Errorf("cases at the desk: %d, want 1", len(desk.opened))
	}
}
