package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/desk"
)

// Two replicas share one Redis: the same outbox (one consumer group) and
// the same case book. These tests run two desks against it and count what
// reaches Slack.

// lostAcks is an outbox whose acknowledgements never arrive, as for a
// replica that crashes right after posting.
type lostAcks struct {
	desk.Outbox
	tried atomic.Int64
}

func (o *lostAcks) Ack(context.Context, string) error {
	o.tried.Add(1)
	return errors.New("connection reset")
}

// failingPuts is a case book that cannot save records.
type failingPuts struct {
	desk.Book
	tried atomic.Int64
}

func (b *failingPuts) Put(context.Context, desk.CaseRecord) error {
	b.tried.Add(1)
	return errors.New("connection reset")
}

// textCount counts the messages in Slack (posts that succeeded) in a
// thread with exactly text.
func (h *harness) textCount(ts, text string) int {
	n := 0
	for _, m := range h.slack.Messages() {
		if m.Get("thread_ts") == ts && m.Get("text") == text {
			n++
		}
	}
	return n
}

// drained tells whether no entry read from the outbox waits for its
// acknowledgement. (With the expected posts seen, everything was read.)
func (h *harness) drained() bool {
	n, err := h.outbox.Pending(h.ctx)
	return err == nil && n == 0
}

// TestTwoReplicasPostEachEntryOnce: two desks deliver one outbox while
// Slack fails now and then (the failed entries are redelivered, maybe to
// the other replica): every card and every relay is in Slack once.
func TestTwoReplicasPostEachEntryOnce(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MinIdle = 300 * time.Millisecond })
	h.run(h.replica("replica-b", nil))
	h.slack.failNext("chat.postMessage", 500, 0, 0, 503, 0, 500)
	const cases, relays = 8, 3
	var wg sync.WaitGroup
	for i := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := testCase(fmt.Sprintf("r%d", i))
			if err := h.desk.Open(h.ctx, c); err != nil {
				t.Error(err)
				return
			}
			for j := range relays {
				if err := h.desk.Relay(h.ctx, bot.CaseRef{ID: c.ID, Key: c.Key}, said(fmt.Sprintf("wiadomość %d", j))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	h.eventually("everything delivered", func() bool {
		for i := range cases {
			rec, ok, _ := h.book.Get(h.ctx, fmt.Sprintf("r%d", i))
			if !ok || rec.ThreadTS == "" {
				return false
			}
			if h.textCount(rec.ThreadTS, fmt.Sprintf(textResident, fmt.Sprintf("wiadomość %d", relays-1))) == 0 {
				return false
			}
		}
		return h.drained()
	})
	settle()
	failed := h.slack.FailQueued("chat.postMessage")
	if failed != 0 {
		t.Errorf("%d injected failures not used", failed)
	}
	for i := range cases {
		id := fmt.Sprintf("r%d", i)
		rec, _, _ := h.book.Get(h.ctx, id)
		if m := h.slack.message(rec.ThreadTS); m == nil || !isCard(m) || !strings.Contains(m.Get("blocks"), `"value":"`+id+`"`) {
			t.Errorf("case %s: the recorded thread %s is not its card", id, rec.ThreadTS)
		}
		for j := range relays {
			want := fmt.Sprintf(textResident, fmt.Sprintf("wiadomość %d", j))
			if n := h.textCount(rec.ThreadTS, want); n != 1 {
				t.Errorf("case %s relay %d posted %d times, want 1", id, j, n)
			}
		}
	}
	// Successful card posts: one per case.
	ok := 0
	for _, m := range h.slack.Messages() {
		if isCard(m) {
			ok++
		}
	}
	if ok != cases {
		t.Errorf("cards in Slack: %d, want %d", ok, cases)
	}
}

// TestLostAckRedeliveredToAnotherReplica: replica A posts the card and the
// relays but its acknowledgements are lost, then it crashes; replica B gets
// the entries again and posts nothing twice (the case book's posted marks).
func TestLostAckRedeliveredToAnotherReplica(t *testing.T) {
	h := newIdleHarness(t)
	var lost *lostAcks
	a := h.replica("replica-a", func(o desk.Outbox, b desk.Book) (desk.Outbox, desk.Book) {
		lost = &lostAcks{Outbox: o}
		return lost, b
	})
	stopA := h.run(a)
	c := testCase("la1")
	if err := h.desk.Open(h.ctx, c); err != nil {
		t.Fatal(err)
	}
	texts := []string{"pierwsza", "druga", "trzecia"}
	for _, text := range texts {
		if err := h.desk.Relay(h.ctx, bot.CaseRef{ID: c.ID, Key: c.Key}, said(text)); err != nil {
			t.Fatal(err)
		}
	}
	var ts string
	h.eventually("A posted everything", func() bool {
		rec, _, _ := h.book.Get(h.ctx, c.ID)
		ts = rec.ThreadTS
		return ts != "" && len(h.slack.posts(inThread(ts))) == len(texts)
	})
	h.eventually("A failed to ack", func() bool { return lost.tried.Load() >= int64(1+len(texts)) })
	stopA() // crash
	if n, _ := h.outbox.Pending(h.ctx); n != int64(1+len(texts)) {
		t.Fatalf("pending after A crashed: %d, want %d", n, 1+len(texts))
	}

	h.start() // replica B: the harness's desk, with a fresh process memory
	h.eventually("B acknowledged everything", h.drained)
	settle()
	if n := len(h.slack.posts(isCard)); n != 1 {
		t.Errorf("cards posted: %d, want 1", n)
	}
	for _, text := range texts {
		if n := h.textCount(ts, fmt.Sprintf(textResident, text)); n != 1 {
			t.Errorf("relay %q posted %d times, want 1", text, n)
		}
	}
	if !strings.Contains(h.logs.String(), "posted before: not posted again") {
		t.Error("B did not report skipping the posted entries")
	}
}

// TestCardPostedButNotRecorded: replica A posts a card but cannot record
// it in the case book, and crashes; replica B finds the card's posted mark
// and records that card instead of posting another.
func TestCardPostedButNotRecorded(t *testing.T) {
	h := newIdleHarness(t)
	var puts *failingPuts
	a := h.replica("replica-a", func(o desk.Outbox, b desk.Book) (desk.Outbox, desk.Book) {
		puts = &failingPuts{Book: b}
		return o, puts
	})
	stopA := h.run(a)
	if err := h.desk.Open(h.ctx, testCase("nr1")); err != nil {
		t.Fatal(err)
	}
	h.eventually("A posted the card and failed to record it", func() bool {
		return len(h.slack.posts(isCard)) == 1 && puts.tried.Load() >= 1
	})
	stopA()
	if _, found, _ := h.book.Get(h.ctx, "nr1"); found {
		t.Fatal("the card was recorded")
	}
	h.start()
	var rec desk.CaseRecord
	h.eventually("B recorded the card", func() bool {
		var found bool
		rec, found, _ = h.book.Get(h.ctx, "nr1")
		return found && rec.ThreadTS != "" && h.drained()
	})
	settle()
	if n := len(h.slack.posts(isCard)); n != 1 {
		t.Errorf("cards posted: %d, want 1", n)
	}
	if m := h.slack.message(rec.ThreadTS); m == nil || !isCard(m) {
		t.Errorf("the record's thread %s is not the posted card", rec.ThreadTS)
	}
	if rec.Channel != testChannel || rec.Status != desk.StatusWaiting || rec.Key != "telegram:42" {
		t.Errorf("record %+v", rec)
	}
}

// TestRemindersOnceWithTwoReplicas: both replicas check the waiting cases;
// the reminder and the phone note are posted once, and the engine hears
// about the unclaimed case under one event id.
func TestRemindersOnceWithTwoReplicas(t *testing.T) {
	h := newHarness(t)
	h.run(h.replica("replica-b", nil))
	c := testCase("rm1")
	c.Created = h.clock.Now()
	c.Urgency = bot.UrgencyUrgent
	ts := h.openCase(c)
	reminders := func() []url.Values {
		return h.slack.posts(func(f url.Values) bool {
			return f.Get("thread_ts") == ts && strings.Contains(f.Get("text"), "czeka na przejęcie")
		})
	}
	phoneNotes := func() int {
		return len(h.slack.posts(func(f url.Values) bool {
			return f.Get("thread_ts") == ts && strings.Contains(f.Get("text"), "zaproponowano telefon")
		}))
	}
	h.clock.Advance(11 * time.Minute)
	h.eventually("reminder", func() bool { return len(reminders()) >= 1 })
	settle()
	if n := len(reminders()); n != 1 {
		t.Fatalf("reminders with two replicas: %d, want 1", n)
	}
	r := reminders()[0]
	if r.Get("reply_broadcast") != "true" || !strings.HasPrefix(r.Get("text"), "<!subteam^"+testOnDuty+">") {
		t.Errorf("reminder %v", r)
	}
	h.clock.Advance(20 * time.Minute)
	h.eventually("phone offered", func() bool { return phoneNotes() >= 1 })
	settle()
	if n := phoneNotes(); n != 1 {
		t.Errorf("phone notes with two replicas: %d, want 1", n)
	}
	evs := h.engine.of(bot.StaffUnclaimed)
	if len(evs) == 0 {
		t.Fatal("the engine was not told")
	}
	for _, ev := range evs {
		if ev.EventID != "slack:unclaimed:rm1" || ev.Case.ID != "rm1" {
			t.Errorf("unclaimed event %+v", ev)
		}
	}
	rec, _, _ := h.book.Get(h.ctx, "rm1")
	if !rec.Reminded || !rec.TimedOut || rec.Status != desk.StatusWaiting || rec.Holder != "" {
		t.Errorf("record %+v", rec)
	}
}

// TestReminderDoesNotUndoAClaim: a claim made while the reminder is being
// decided stands (the flag is set atomically, not by Get then Put).
func TestReminderDoesNotUndoAClaim(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.CheckEvery = time.Millisecond })
	h.run(h.replica("replica-b", nil))
	for i := range 5 {
		c := testCase(fmt.Sprintf("rc%d", i))
		c.Created = h.clock.Now().Add(-time.Hour)
		ts := h.openCase(c)
		if code := h.click("U1", actionClaim, c.ID, ts); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == i+1 })
		rec, _, _ := h.book.Get(h.ctx, c.ID)
		if rec.Holder != "U1" || rec.Status != desk.StatusClaimed {
			t.Errorf("case %s after the claim and the reminders: %+v", c.ID, rec)
		}
	}
	settle()
	for i := range 5 {
		rec, _, _ := h.book.Get(h.ctx, fmt.Sprintf("rc%d", i))
		if rec.Holder != "U1" || rec.Status != desk.StatusClaimed {
			t.Errorf("case rc%d later: %+v", i, rec)
		}
	}
}

// TestDueIsSeparateFromCreated: a case made outside office hours keeps its
// creation time; its Due is the opening.
func TestDueIsSeparateFromCreated(t *testing.T) {
	h := newHarness(t)
	c := testCase("du1")
	c.Created = h.clock.Now()
	c.OpenNext = c.Created.Add(10 * time.Hour)
	h.openCase(c)
	rec, _, _ := h.book.Get(h.ctx, "du1")
	if !rec.Created.Equal(c.Created) || !rec.Due.Equal(c.OpenNext) {
		t.Errorf("created %v due %v; want %v and %v", rec.Created, rec.Due, c.Created, c.OpenNext)
	}
	c2 := testCase("du2")
	c2.Created = h.clock.Now()
	h.openCase(c2)
	rec, _, _ = h.book.Get(h.ctx, "du2")
	if !rec.Created.Equal(c2.Created) || !rec.Due.Equal(c2.Created) {
		t.Errorf("in hours: created %v due %v; want both %v", rec.Created, rec.Due, c2.Created)
	}
}

// TestErasedCaseIsNoCase: closing the card of a case whose record is gone
// (erased) is not an error: the case book's desk.ErrNoCase is recognised.
func TestErasedCaseIsNoCase(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("er1"))
	if err := h.desk.Erased(h.ctx, bot.CaseRef{ID: "er1", Key: "telegram:42"}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Erase(h.ctx, "telegram:42"); err != nil {
		t.Fatal(err)
	}
	if err := h.book.SetStatus(h.ctx, "er1", desk.StatusClosed); !errors.Is(err, desk.ErrNoCase) {
		t.Errorf("SetStatus of an erased case: %v; want desk.ErrNoCase", err)
	}
	if _, err := h.book.Flag(h.ctx, "er1", desk.FlagReminded); !errors.Is(err, desk.ErrNoCase) {
		t.Errorf("Flag of an erased case: %v; want desk.ErrNoCase", err)
	}
	h.eventually("card stripped", func() bool { return len(h.slack.callsOf("chat.update")) == 1 })
	h.eventually("note delivered", func() bool { return len(h.slack.posts(inThread(ts))) == 1 && h.drained() })
}

// TestShutdownFlushesTheOutbox: a desk asked to stop delivers what the
// outbox holds before Run returns (graceful shutdown), within its drain
// time; with Slack down, it gives up after the drain time and the entries
// stay in the outbox.
func TestShutdownFlushesTheOutbox(t *testing.T) {
	h := newIdleHarness(t)
	for _, id := range []string{"sd1", "sd2", "sd3"} {
		if err := h.desk.Open(h.ctx, testCase(id)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(h.ctx)
	cancel() // asked to stop before it ever read the outbox
	if err := h.desk.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.posts(isCard)); n != 3 {
		t.Errorf("cards posted at shutdown: %d, want 3", n)
	}
	if n, _ := h.outbox.Pending(h.ctx); n != 0 {
		t.Errorf("outbox pending after the flush: %d", n)
	}

	h2 := newIdleHarness(t, func(c *Config) { c.DrainTimeout = 200 * time.Millisecond })
	h2.slack.failNext("chat.postMessage", 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	if err := h2.desk.Open(h2.ctx, testCase("sd4")); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(h2.ctx)
	cancel2()
	if err := h2.desk.Run(ctx2); err != nil {
		t.Fatal(err)
	}
	if n, _ := h2.outbox.Pending(h2.ctx); n != 1 {
		t.Errorf("outbox pending after a flush with Slack down: %d, want 1 (kept for later)", n)
	}
}
