package slack

import (
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/desk"
)

// TestTransferReleaseTakeOver: only the holder transfers (to a member of
// the staff channel) or releases a case; a supervisor takes over a case
// someone else holds; each step is an audit line, and the engine hears who
// holds the case now.
func TestTransferReleaseTakeOver(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.SupervisorGroup = "SSUPER" })
	h.slack.SetMembers("U1", "U2", "U3")
	h.slack.SetName("U3", "Ewa")
	h.slack.SetGroup("SSUPER", "U3")
	ts := h.claimed("h1")
	card := h.slack.message(ts).Get("blocks")
	for _, want := range []string{actionTransfer, "users_select", actionRelease, actionTakeOver, `"confirm"`} {
		if !strings.Contains(card, want) {
			t.Errorf("the claimed card lacks %s", want)
		}
	}

	holder := func() string {
		rec, _, _ := h.book.Get(h.ctx, "h1")
		return rec.Holder
	}
	h.pick("U2", actionTransfer, ts, "U2") // not the holder
	h.eventually("refused", func() bool { return len(h.ephemerals("U2")) == 1 })
	h.pick("U1", actionTransfer, ts, "UX") // not in the staff channel
	h.eventually("refused", func() bool { return len(h.ephemerals("U1")) == 1 })
	if holder() != "U1" {
		t.Fatalf("holder %s after refused transfers", holder())
	}

	h.pick("U1", actionTransfer, ts, "U2")
	h.eventually("transferred", func() bool { return holder() == "U2" && len(h.engine.of(bot.StaffClaimed)) == 2 })
	if ev := h.engine.of(bot.StaffClaimed)[1]; ev.Name != "Piotr" {
		t.Errorf("the resident hears of %q", ev.Name)
	}
	h.eventually("card shows the new holder", func() bool { return strings.Contains(readable(h.slack.message(ts).Get("blocks")), "<@U2>") })

	h.click("U2", actionTakeOver, "h1", ts) // not a supervisor
	h.eventually("refused", func() bool { return len(h.ephemerals("U2")) == 2 })
	h.click("U3", actionTakeOver, "h1", ts)
	h.eventually("taken over", func() bool { return holder() == "U3" })

	h.click("U3", actionRelease, "h1", ts)
	h.eventually("released", func() bool { return len(h.engine.of(bot.StaffReleased)) == 1 })
	rec, _, _ := h.book.Get(h.ctx, "h1")
	if rec.Holder != "" || rec.Status != desk.StatusWaiting {
		t.Errorf("after release: %+v", rec)
	}
	h.eventually("audit lines", func() bool { return len(h.audits(ts)) == 4 })
	want := []string{"<@U1> przejmuje", "<@U1> przekazuje sprawę do <@U2>", "<@U3> przejmuje sprawę od <@U2>", "<@U3> zwalnia"}
	for i, a := range h.audits(ts) {
		if !strings.Contains(a, want[i]) {
			t.Errorf("audit %d: %q, want %q", i, a, want[i])
		}
	}
}

// TestMorningRound: a case left waiting from the day before is listed
// once at the first check within office hours, with a link to its card
// and the on-duty mention; nothing is posted while the Centre is closed.
func TestMorningRound(t *testing.T) {
	var open atomic.Bool
	h := newIdleHarness(t, func(c *Config) { c.OpenAt = func(time.Time) bool { return open.Load() } })
	c := testCase("m1")
	c.Created = h.clock.Now()
	stop := h.start()
	ts := h.openCase(c)
	stop()
	morning := func() []url.Values {
		return h.slack.posts(func(f url.Values) bool {
			return f.Get("thread_ts") == "" && strings.Contains(f.Get("text"), "Dzień dobry")
		})
	}
	h.clock.Advance(14 * time.Hour) // the evening: closed
	h.start()
	settle()
	if n := len(morning()); n != 0 {
		t.Fatalf("a morning round while closed: %d", n)
	}
	open.Store(true) // the next day's opening
	h.eventually("the morning round", func() bool { return len(morning()) == 1 })
	settle()
	posts := morning()
	if len(posts) != 1 {
		t.Fatalf("morning rounds: %d, want 1", len(posts))
	}
	text := posts[0].Get("text")
	if !strings.HasPrefix(text, "<!subteam^"+testOnDuty+">") || !strings.Contains(text, "|m1>") || !strings.Contains(text, strings.ReplaceAll(ts, ".", "")) {
		t.Errorf("morning round %q", text)
	}
}

// TestMorningRoundListsQuietClaimedCases: on a real redis-server, a case
// claimed and then left without a word for a day is listed at the next
// opening with its holder, once, by one of two replicas; a claimed case
// the resident wrote in since is not, nor anything while the Centre is
// closed.
func TestMorningRoundListsQuietClaimedCases(t *testing.T) {
	var open atomic.Bool
	h := newRealIdleHarness(t, func(c *Config) { c.OpenAt = func(time.Time) bool { return open.Load() } })
	h.start()
	h.run(h.replica("replica-b", nil))
	idle, busy := testCase("quiet-1"), testCase("busy-1")
	busy.Key = "telegram:43"
	idleTS, busyTS := h.openCase(idle), h.openCase(busy)
	h.click("U1", actionClaim, idle.ID, idleTS)
	h.click("U2", actionClaim, busy.ID, busyTS)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 2 })
	morning := func() []url.Values {
		return h.slack.posts(func(f url.Values) bool {
			return f.Get("thread_ts") == "" && strings.Contains(f.Get("text"), "Dzień dobry")
		})
	}

	h.clock.Advance(20 * time.Hour) // 07:00 the next day in Warsaw: closed
	if err := h.desk.Relay(h.ctx, bot.CaseRef{ID: busy.ID, Key: busy.Key}, said("Czy ktoś to czyta?")); err != nil {
		t.Fatal(err)
	}
	h.eventually("the resident's message in the thread", func() bool { return len(h.slack.posts(inThread(busyTS))) == 1 })
	settle()
	if n := len(morning()); n != 0 {
		t.Fatalf("a morning round while closed: %d", n)
	}

	h.clock.Advance(5 * time.Hour) // 12:00: open, the idle case quiet for 25 h
	open.Store(true)
	h.eventually("the morning round", func() bool { return len(morning()) == 1 })
	settle()
	posts := morning()
	if len(posts) != 1 {
		t.Fatalf("morning rounds with two replicas: %d, want 1", len(posts))
	}
	text := posts[0].Get("text")
	for _, want := range []string{"<!subteam^" + testOnDuty + ">", "nikt nie pisał od ponad 24 godz. (1)", "|quiet-1> — <@U1>, cisza od 02.03 11:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("morning round lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "busy-1") || strings.Contains(text, "czekające na przejęcie") {
		t.Errorf("morning round lists a case that is not quiet:\n%s", text)
	}
}

// TestMorningRoundListsCasesRaisedBeforeTheOpening: a case raised after
// midnight but before the opening is waiting at the opening like one left
// from the evening, and the round at the opening lists it.
func TestMorningRoundListsCasesRaisedBeforeTheOpening(t *testing.T) {
	h := newIdleHarness(t, func(c *Config) {
		c.OpenAt = func(t time.Time) bool { hr := t.In(warsaw).Hour(); return hr >= 8 && hr < 16 }
	})
	h.clock.Advance(16 * time.Hour) // 03:00 on 3 March in Warsaw: closed
	c := testCase("night-1")
	c.Created = h.clock.Now()
	stop := h.start()
	h.openCase(c)
	stop()
	h.clock.Advance(5*time.Hour + 5*time.Minute) // 08:05: the opening
	h.start()
	morning := func() []url.Values {
		return h.slack.posts(func(f url.Values) bool {
			return f.Get("thread_ts") == "" && strings.Contains(f.Get("text"), "Dzień dobry")
		})
	}
	h.eventually("the morning round", func() bool { return len(morning()) == 1 })
	if text := morning()[0].Get("text"); !strings.Contains(text, "|night-1>") {
		t.Errorf("the round at the opening does not list the case raised at night:\n%s", text)
	}
}

// TestMorningRoundRetriedAfterAFailedPost: when Slack refuses the day's
// round, the day is not marked as done: the next check posts it, once.
func TestMorningRoundRetriedAfterAFailedPost(t *testing.T) {
	var open atomic.Bool
	h := newIdleHarness(t, func(c *Config) { c.OpenAt = func(time.Time) bool { return open.Load() } })
	c := testCase("m1")
	c.Created = h.clock.Now()
	stop := h.start()
	h.openCase(c)
	stop()
	// Morning rounds Slack took (the refused call is recorded too).
	morning := func() int {
		n := 0
		for _, c := range h.slack.callsOf("chat.postMessage") {
			if c.OK && c.Form.Get("thread_ts") == "" && strings.Contains(c.Form.Get("text"), "Dzień dobry") {
				n++
			}
		}
		return n
	}
	h.clock.Advance(14 * time.Hour) // the evening: closed
	h.start()
	settle() // reminders of the evening are posted
	h.slack.failNext("chat.postMessage", 500)
	open.Store(true)
	h.eventually("the failed round", func() bool { return strings.Contains(h.logs.String(), "slack morning round not posted") })
	h.eventually("the morning round after all", func() bool { return morning() == 1 })
	settle()
	if n := morning(); n != 1 {
		t.Errorf("morning rounds: %d, want 1", n)
	}
}
