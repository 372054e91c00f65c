package slack

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"okienko/bot"
	"okienko/bot/desk"
	"okienko/bot/slack/slackfake"
)

func testCase(id string) bot.Case {
	return bot.Case{
		ID: id, Key: "telegram:42", Created: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		Urgency: bot.UrgencyNormal, Reason: "asked", Topic: "opieka nad seniorem", Lang: "pl",
		ForWhom: "mama", Words: "Mama nie wstaje z łóżka <!channel>", Answers: bot.Vars{"wiek": "84"},
		Offered: []string{"Usługi opiekuńcze"}, Contact: "phone", Phone: "+48600111222", Consent: true,
	}
}

// readable undoes JSON's HTML escaping of <, > and &.
func readable(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

func isCard(f url.Values) bool { return f.Get("thread_ts") == "" && f.Get("blocks") != "" }

// inThread matches the posts in a case's thread other than audit lines.
func inThread(ts string) func(url.Values) bool {
	return func(f url.Values) bool { return f.Get("thread_ts") == ts && !strings.HasPrefix(f.Get("text"), "📝") }
}

// audits lists the audit lines of a case's thread.
func (h *harness) audits(ts string) []string {
	var out []string
	for _, f := range h.slack.posts(func(f url.Values) bool { return f.Get("thread_ts") == ts }) {
		if strings.HasPrefix(f.Get("text"), "📝") {
			out = append(out, f.Get("text"))
		}
	}
	return out
}

func TestCardPostedOnceWithTheCase(t *testing.T) {
	h := newHarness(t)
	c := testCase("c1")
	c.Urgency, c.Reason = bot.UrgencyUrgent, "crisis:violence"
	ts := h.openCase(c)
	// The same case queued again (a redelivery) is not posted twice.
	if err := h.desk.Open(h.ctx, c); err != nil {
		t.Fatal(err)
	}
	settle()
	cards := h.slack.posts(isCard)
	if len(cards) != 1 {
		t.Fatalf("cards posted: %d, want 1", len(cards))
	}
	blocks := readable(cards[0].Get("blocks"))
	for _, want := range []string{
		"<!subteam^" + testOnDuty + ">", "PILNE", "opieka nad seniorem", "mama", "+48600111222",
		"Mama nie wstaje z łóżka &lt;!channel&gt;", "wiek: 84", "Usługi opiekuńcze",
		`"action_id":"okienko_claim","value":"c1"`, "Przejmij", "Zamknij", "Wróć do bota",
	} {
		if !strings.Contains(blocks, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	if strings.Contains(blocks, "<!channel>") {
		t.Error("the resident's text was not escaped")
	}
	if !strings.Contains(cards[0].Get("text"), "<!subteam^"+testOnDuty+">") {
		t.Error("the notification text lacks the on-duty mention")
	}
	if strings.Contains(cards[0].Get("text"), "+48") || strings.Contains(cards[0].Get("text"), "Mama") {
		t.Error("personal details in the notification text")
	}
	rec, _, _ := h.book.Get(h.ctx, "c1")
	if rec.Status != desk.StatusWaiting || rec.Channel != testChannel || rec.ThreadTS != ts || rec.Key != c.Key {
		t.Errorf("record %+v", rec)
	}
	if n, _ := h.outbox.Pending(h.ctx); n != 0 {
		t.Errorf("outbox pending %d", n)
	}
	if strings.Contains(h.logs.String(), "Mama") || strings.Contains(h.logs.String(), "+48600111222") {
		t.Error("case details in logs")
	}
}

func TestNormalCardHasOnlyPresentFields(t *testing.T) {
	h := newHarness(t)
	h.openCase(bot.Case{ID: "c2", Key: "telegram:7", Urgency: bot.UrgencyNormal, Lang: "uk", Contact: "chat"})
	blocks := h.slack.posts(isCard)[0].Get("blocks")
	for _, absent := range []string{"subteam", "Słowa mieszkańca", "Odpowiedzi", "Telefon", "Dla kogo", "PILNE"} {
		if strings.Contains(blocks, absent) {
			t.Errorf("card has %q", absent)
		}
	}
	if !strings.Contains(blocks, "uk") || !strings.Contains(blocks, "dalej na czacie") {
		t.Errorf("card lacks language or contact: %s", blocks)
	}
}

func TestSlackDownThenBackDeliversOnce(t *testing.T) {
	h := newHarness(t)
	h.slack.failNext("chat.postMessage", 500, 500, 503, http.StatusTooManyRequests)
	start := time.Now()
	h.openCase(testCase("c3"))
	settle()
	if n := len(h.slack.posts(isCard)); n != 5 {
		t.Errorf("card attempts: %d, want 4 failures and 1 success", n)
	}
	if time.Since(start) < time.Second {
		t.Error("429's Retry-After was not waited")
	}
	// One card in Slack: the fake answered only the last attempt.
	inSlack := len(h.slack.Messages())
	if inSlack != 1 {
		t.Errorf("messages in Slack: %d, want 1", inSlack)
	}
	if n, _ := h.outbox.Pending(h.ctx); n != 0 {
		t.Errorf("outbox pending %d", n)
	}
}

func TestRelayWaitsForTheCard(t *testing.T) {
	h := newHarness(t)
	h.slack.failNext("chat.postMessage", 500, 500)
	ref := bot.CaseRef{ID: "c4", Key: "telegram:42"}
	if err := h.desk.Open(h.ctx, testCase("c4")); err != nil {
		t.Fatal(err)
	}
	if err := h.desk.Relay(h.ctx, ref, said("Czy ktoś tam jest?")); err != nil {
		t.Fatal(err)
	}
	h.eventually("relay posted", func() bool {
		rec, _, _ := h.book.Get(h.ctx, "c4")
		return rec.ThreadTS != "" && len(h.slack.posts(inThread(rec.ThreadTS))) == 1
	})
	settle()
	rec, _, _ := h.book.Get(h.ctx, "c4")
	if n := len(h.slack.posts(inThread(rec.ThreadTS))); n != 1 {
		t.Errorf("relays posted: %d", n)
	}
}

func TestClaimAndRefusedSecondClaim(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c5"))
	if code := h.click("U1", actionClaim, "c5", ts); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	h.eventually("claimed event", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	ev := h.engine.of(bot.StaffClaimed)[0]
	if ev.Name != "Anna" || ev.Case.ID != "c5" || ev.Case.Key != "telegram:42" || ev.EventID == "" {
		t.Errorf("claimed event %+v", ev)
	}
	h.eventually("card updated", func() bool { return len(h.slack.callsOf("chat.update")) == 1 })
	card := readable(h.slack.message(ts).Get("blocks"))
	if !strings.Contains(card, "Prowadzi: <@U1>") {
		t.Errorf("card does not show the holder: %s", card)
	}
	if strings.Contains(card, actionClaim) || !strings.Contains(card, actionClose) {
		t.Errorf("buttons after claim: %s", card)
	}
	if !strings.Contains(card, "opieka nad seniorem") {
		t.Error("the update lost the case details")
	}

	h.click("U2", actionClaim, "c5", ts)
	h.eventually("refusal", func() bool { return len(h.ephemerals("U2")) == 1 })
	if got := h.ephemerals("U2")[0]; got != "Sprawę prowadzi już <@U1>." {
		t.Errorf("refusal %q", got)
	}
	settle()
	if n := len(h.engine.of(bot.StaffClaimed)); n != 1 {
		t.Errorf("claimed events: %d", n)
	}
	rec, _, _ := h.book.Get(h.ctx, "c5")
	if rec.Holder != "U1" || rec.Status != desk.StatusClaimed {
		t.Errorf("record %+v", rec)
	}
}

func TestConcurrentClaimsOneWinner(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c6"))
	done := make(chan struct{})
	go func() { h.click("U2", actionClaim, "c6", ts); close(done) }()
	h.click("U1", actionClaim, "c6", ts)
	<-done
	h.eventually("one claim and one refusal", func() bool {
		return len(h.engine.of(bot.StaffClaimed)) == 1 && len(h.ephemerals("U1"))+len(h.ephemerals("U2")) == 1
	})
}

func TestNonMemberRefused(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c7"))
	h.click("UX", actionClaim, "c7", ts)
	h.eventually("refusal", func() bool { return len(h.ephemerals("UX")) == 1 })
	if got := h.ephemerals("UX")[0]; got != textNotMember {
		t.Errorf("refusal %q", got)
	}
	h.event("Ev1", map[string]any{"user": "UX", "text": ">> halo", "ts": "1700000200.000001", "thread_ts": ts})
	h.eventually("reply refusal", func() bool { return len(h.ephemerals("UX")) == 2 })
	settle()
	rec, _, _ := h.book.Get(h.ctx, "c7")
	if rec.Holder != "" || len(h.engine.events) != 0 {
		t.Errorf("non-member changed the case: %+v, %v", rec, h.engine.events)
	}
	if n := len(h.slack.callsOf("conversations.members")); n != 1 {
		t.Errorf("members fetched %d times, want 1 (cached)", n)
	}
}

func TestRelayBothWaysAndInternalNotes(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c8"))
	ref := bot.CaseRef{ID: "c8", Key: "telegram:42"}
	h.click("U1", actionClaim, "c8", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })

	// Resident → thread.
	if err := h.desk.Relay(h.ctx, ref, said("Dziękuję, czekam <3")); err != nil {
		t.Fatal(err)
	}
	h.eventually("relay in thread", func() bool { return len(h.slack.posts(inThread(ts))) == 1 })
	if got := h.slack.posts(inThread(ts))[0].Get("text"); got != "👤 *Mieszkaniec:* Dziękuję, czekam &lt;3" {
		t.Errorf("relay text %q", got)
	}

	// Thread → resident: an internal note, then a reply with the prefix.
	h.event("Ev2", map[string]any{"user": "U1", "text": "notatka: zadzwonić do MOPS", "ts": "1700000300.000001", "thread_ts": ts})
	h.event("Ev3", map[string]any{"user": "U2", "text": "ok, biorę to na siebie jutro", "ts": "1700000300.000002", "thread_ts": ts})
	h.event("Ev4", map[string]any{"user": "U1", "mrkdwn": slackfake.Escape(">> Dzień dobry, oddzwonię & pomogę: ") + slackfake.Link("https://mops.example/f", "formularz"), "ts": "1700000300.000003", "thread_ts": ts})
	h.eventually("message to the resident", func() bool { return len(h.engine.of(bot.StaffMessage)) == 1 })
	ev := h.engine.of(bot.StaffMessage)[0]
	if ev.Text != "Dzień dobry, oddzwonię & pomogę: formularz (https://mops.example/f)" || ev.Name != "Anna" || ev.Case != ref {
		t.Errorf("staff message %+v", ev)
	}
	h.eventually("confirmation", func() bool {
		for _, p := range h.slack.posts(inThread(ts)) {
			if p.Get("text") == textSent {
				return true
			}
		}
		return false
	})
	// A member who does not hold the case writes with the prefix: not sent.
	h.event("Ev5", map[string]any{"user": "U2", "text": ">> ja też tu jestem", "ts": "1700000300.000004", "thread_ts": ts})
	h.eventually("hint to U2", func() bool { return len(h.ephemerals("U2")) == 1 })
	settle()
	if n := len(h.engine.of(bot.StaffMessage)); n != 1 {
		t.Errorf("messages to the resident: %d, want 1 (notes stay in Slack)", n)
	}
	if n := len(h.slack.callsOf("users.info")); n != 1 {
		t.Errorf("users.info called %d times, want 1 (cached)", n)
	}
	if strings.Contains(h.logs.String(), "Dzień dobry") || strings.Contains(h.logs.String(), "notatka") {
		t.Error("message text in logs")
	}
}

func TestReplyNotSentWhenEngineFails(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c9"))
	h.click("U1", actionClaim, "c9", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	h.engine.mu.Lock()
	h.engine.fail = 3
	h.engine.mu.Unlock()
	h.event("Ev6", map[string]any{"user": "U1", "text": ">> halo", "ts": "1700000400.000001", "thread_ts": ts})
	h.eventually("failure shown", func() bool {
		e := h.ephemerals("U1")
		return len(e) == 1 && e[0] == textSendFailed
	})
	for _, p := range h.slack.posts(inThread(ts)) {
		if p.Get("text") == textSent {
			t.Error("confirmed a message that was not sent")
		}
	}
}

func TestCloseAndReturnByTheHolder(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c10"))
	h.click("U1", actionClose, "c10", ts)
	h.eventually("claim first", func() bool { return len(h.ephemerals("U1")) == 1 })
	h.click("U1", actionClaim, "c10", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	h.click("U2", actionClose, "c10", ts)
	h.eventually("not holder", func() bool { return len(h.ephemerals("U2")) == 1 })
	h.click("U1", actionClose, "c10", ts)
	h.eventually("closed", func() bool { return len(h.engine.of(bot.StaffClosed)) == 1 })
	ev := h.engine.of(bot.StaffClosed)[0]
	if ev.Case.ID != "c10" || ev.Name != "Anna" {
		t.Errorf("closed event %+v", ev)
	}
	rec, _, _ := h.book.Get(h.ctx, "c10")
	if rec.Status != desk.StatusClosed {
		t.Errorf("status %s", rec.Status)
	}
	h.eventually("card shows closed", func() bool { return strings.Contains(h.slack.message(ts).Get("blocks"), "Zamknięta") })
	if card := h.slack.message(ts).Get("blocks"); strings.Contains(card, blockActions) {
		t.Errorf("buttons left on a closed card: %s", card)
	}
	// A late click on the closed case changes nothing.
	h.click("U1", actionReturn, "c10", ts)
	h.eventually("case over", func() bool { return len(h.ephemerals("U1")) == 2 })
	if len(h.engine.of(bot.StaffReturned)) != 0 {
		t.Error("returned a closed case")
	}

	ts2 := h.openCase(testCase("c11"))
	h.click("U2", actionClaim, "c11", ts2)
	h.click("U2", actionReturn, "c11", ts2)
	h.eventually("returned", func() bool { return len(h.engine.of(bot.StaffReturned)) == 1 })
	if rec, _, _ := h.book.Get(h.ctx, "c11"); rec.Status != desk.StatusReturned {
		t.Errorf("status %s", rec.Status)
	}
}

func TestRequestsMustBeSigned(t *testing.T) {
	h := newHarness(t)
	body := []byte(`{"type":"url_verification","token":"x","challenge":"abc"}`)
	cases := map[string]func(*http.Request){
		"unsigned": func(r *http.Request) {
			r.Header.Del("X-Slack-Signature")
			r.Header.Del("X-Slack-Request-Timestamp")
		},
		"wrong secret": func(r *http.Request) { sign(r, body, "another-secret", time.Now()) },
		"tampered": func(r *http.Request) {
			sign(r, []byte(`{"type":"url_verification","token":"x","challenge":"xyz"}`), testSecret, time.Now())
		},
		"old":    func(r *http.Request) { sign(r, body, testSecret, time.Now().Add(-6*time.Minute)) },
		"future": func(r *http.Request) { sign(r, body, testSecret, time.Now().Add(6*time.Minute)) },
	}
	for name, modify := range cases {
		for _, path := range []string{"/slack/events", "/slack/interactivity"} {
			if code, _ := h.post(path, "application/json", body, modify); code != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", name, path, code)
			}
		}
	}
	if code, _ := h.post("/slack/events", "application/json", body); code != http.StatusOK {
		t.Errorf("signed: status %d", code)
	}
	big := make([]byte, 2<<20)
	if code, _ := h.post("/slack/events", "application/json", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: status %d", code)
	}
}

func TestURLVerification(t *testing.T) {
	h := newHarness(t)
	code, body := h.post("/slack/events", "application/json", []byte(`{"type":"url_verification","token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`))
	if code != http.StatusOK || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("got %d %q", code, body)
	}
}

func TestRedeliveredEventProcessedOnce(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c12"))
	h.click("U1", actionClaim, "c12", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	msg := func() map[string]any {
		return map[string]any{"user": "U1", "text": ">> raz", "ts": "1700000500.000001", "thread_ts": ts}
	}
	h.event("EvSame", msg())
	h.event("EvSame", msg(), func(r *http.Request) {
		r.Header.Set("X-Slack-Retry-Num", "1")
		r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	})
	h.eventually("message", func() bool { return len(h.engine.of(bot.StaffMessage)) == 1 })
	settle()
	if n := len(h.engine.of(bot.StaffMessage)); n != 1 {
		t.Errorf("messages: %d, want 1", n)
	}
}

func TestBotMessagesIgnored(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c13"))
	h.click("U1", actionClaim, "c13", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	h.event("EvB1", map[string]any{"user": "U1", "bot_id": "B1", "text": ">> " + textSent, "ts": "1700000600.000001", "thread_ts": ts})
	h.event("EvB2", map[string]any{"subtype": "bot_message", "bot_id": "B1", "text": ">> echo", "ts": "1700000600.000002", "thread_ts": ts})
	h.event("EvB3", map[string]any{"subtype": "message_changed", "ts": "1700000600.000003", "channel": testChannel,
		"message": map[string]any{"user": "U1", "text": ">> edited", "ts": "1700000600.000001", "thread_ts": ts}})
	settle()
	if n := len(h.engine.of(bot.StaffMessage)); n != 0 {
		t.Errorf("bot messages reached the resident: %d", n)
	}
}

func TestAcknowledgedBeforeProcessing(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c14"))
	h.slack.Delay("users.info", 1500*time.Millisecond)
	start := time.Now()
	h.click("U1", actionClaim, "c14", ts)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("interaction acknowledged after %v", d)
	}
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
}

func TestReminderThenPhoneOffer(t *testing.T) {
	h := newHarness(t)
	c := testCase("c15")
	c.Created = h.clock.Now()
	ts := h.openCase(c)
	reminders := func() []url.Values {
		return h.slack.posts(func(f url.Values) bool {
			return f.Get("thread_ts") == ts && strings.Contains(f.Get("text"), "czeka na przejęcie")
		})
	}
	h.clock.Advance(9 * time.Minute)
	settle()
	if n := len(reminders()); n != 0 {
		t.Fatalf("reminder too early: %d", n)
	}
	h.clock.Advance(2 * time.Minute)
	h.eventually("reminder", func() bool { return len(reminders()) == 1 })
	if r := reminders()[0]; r.Get("reply_broadcast") != "true" {
		t.Errorf("reminder not shown in the channel: %v", r)
	}
	settle()
	if n := len(reminders()); n != 1 {
		t.Errorf("reminders: %d, want 1", n)
	}
	if n := len(h.engine.of(bot.StaffUnclaimed)); n != 0 {
		t.Errorf("unclaimed too early: %d", n)
	}
	h.clock.Advance(20 * time.Minute)
	h.eventually("unclaimed", func() bool { return len(h.engine.of(bot.StaffUnclaimed)) == 1 })
	settle()
	if n := len(h.engine.of(bot.StaffUnclaimed)); n != 1 {
		t.Errorf("unclaimed events: %d", n)
	}
	ev := h.engine.of(bot.StaffUnclaimed)[0]
	if ev.Case.ID != "c15" || ev.Case.Key != c.Key {
		t.Errorf("unclaimed event %+v", ev)
	}
	rec, _, _ := h.book.Get(h.ctx, "c15")
	if !rec.Reminded || !rec.TimedOut || rec.Status != desk.StatusWaiting {
		t.Errorf("record %+v", rec)
	}
	// Still claimable after the phone was offered.
	h.click("U1", actionClaim, "c15", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
}

func TestClaimedCaseGetsNoReminder(t *testing.T) {
	h := newHarness(t)
	c := testCase("c16")
	c.Created = h.clock.Now()
	ts := h.openCase(c)
	h.click("U1", actionClaim, "c16", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	h.clock.Advance(time.Hour)
	settle()
	if n := len(h.slack.posts(inThread(ts))); n != 0 {
		t.Errorf("posts in a claimed case's thread: %d", n)
	}
	if n := len(h.engine.of(bot.StaffUnclaimed)); n != 0 {
		t.Errorf("unclaimed events: %d", n)
	}
}

func TestOutOfHoursCaseCountsFromOpening(t *testing.T) {
	h := newHarness(t)
	c := testCase("c17")
	c.Created = h.clock.Now()
	c.OpenNext = c.Created.Add(10 * time.Hour)
	ts := h.openCase(c)
	if !strings.Contains(h.slack.message(ts).Get("blocks"), "poza godzinami") {
		t.Error("card does not say the case came outside office hours")
	}
	h.clock.Advance(time.Hour)
	settle()
	if n := len(h.slack.posts(inThread(ts))); n != 0 {
		t.Errorf("reminder outside office hours: %d", n)
	}
	h.clock.Advance(9*time.Hour + 11*time.Minute)
	h.eventually("reminder after opening", func() bool { return len(h.slack.posts(inThread(ts))) == 1 })
}

func TestErasedStripsTheCard(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("c18"))
	if err := h.desk.Erased(h.ctx, bot.CaseRef{ID: "c18", Key: "telegram:42"}); err != nil {
		t.Fatal(err)
	}
	h.eventually("note", func() bool { return len(h.slack.posts(inThread(ts))) == 1 })
	if got := h.slack.posts(inThread(ts))[0].Get("text"); !strings.Contains(got, "Mieszkaniec poprosił o usunięcie danych") {
		t.Errorf("note %q", got)
	}
	h.eventually("card stripped", func() bool { return len(h.slack.callsOf("chat.update")) == 1 })
	card := h.slack.message(ts).Get("blocks")
	for _, gone := range []string{"+48600111222", "Mama", "wiek"} {
		if strings.Contains(card, gone) {
			t.Errorf("erased card still has %q", gone)
		}
	}
	rec, _, _ := h.book.Get(h.ctx, "c18")
	if rec.Status != desk.StatusClosed {
		t.Errorf("status %s", rec.Status)
	}
}

func TestNewChecksConfig(t *testing.T) {
	deps := Deps{Staff: &fakeEngine{}}
	if _, err := New(Config{BotToken: "x", SigningSecret: "s", Channel: "C"}, deps); err == nil {
		t.Error("no error without outbox and case book")
	}
	for _, cfg := range []Config{{SigningSecret: "s", Channel: "C"}, {BotToken: "x", SigningSecret: "s"}, {BotToken: "x", Channel: "C"}} {
		if _, err := cfg.withDefaults(); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	cfg, err := Config{BotToken: "x", SigningSecret: "s", Channel: "C"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ReplyPrefix != ">>" || !*cfg.ShowStaffName || cfg.ClaimReminder != 10*time.Minute || cfg.OfferPhoneAfter != 30*time.Minute {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestHiddenStaffName(t *testing.T) {
	off := false
	h := newHarness(t, func(c *Config) { c.ShowStaffName = &off })
	ts := h.openCase(testCase("c19"))
	h.click("U1", actionClaim, "c19", ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	if ev := h.engine.of(bot.StaffClaimed)[0]; ev.Name != "" {
		t.Errorf("name %q shown", ev.Name)
	}
	if n := len(h.slack.callsOf("users.info")); n != 0 {
		t.Errorf("users.info called %d times", n)
	}
}

// TestDecodeMrkdwn: text as Slack delivers it becomes what the organizer
// typed and saw.
func TestDecodeMrkdwn(t *testing.T) {
	names := map[string]string{"U1": "Anna"}
	name := func(id string) string { return names[id] }
	for _, tt := range []struct{ in, want string }{
		{"a &amp; b &lt;c&gt;", "a & b <c>"},
		{"&gt;&gt; Dzień dobry", ">> Dzień dobry"},
		{"&amp;gt; not double-unescaped", "&gt; not double-unescaped"},
		{"<https://x.pl>", "https://x.pl"},
		{"<https://x.pl|strona>", "strona (https://x.pl)"},
		{"<https://x.pl/a_b_c|formularz_wniosku>", "formularz_wniosku (https://x.pl/a_b_c)"},
		{"<mailto:a@b.pl|a@b.pl>", "a@b.pl"},
		{"<mailto:a@b.pl|napisz>", "napisz (a@b.pl)"},
		{"zadzwoń: <tel:+48123456789|123 456 789>", "zadzwoń: 123 456 789 (+48123456789)"},
		{"<tel:+48123456789>", "+48123456789"},
		{"cześć <@U1>, <@U9> i <!here>", "cześć Anna,  i "},
		{"<!subteam^S1|@dyzur> pilne", "dyzur pilne"},
		{"kanał <#C1|pomoc>", "kanał #pomoc"},
		{"*ważne* i _pilne_ ~nie~ `kod`", "ważne i pilne nie kod"},
		{"*<https://x.pl|link>*", "link (https://x.pl)"},
		{"2*3*4 a_b_c snake_case", "2*3*4 a_b_c snake_case"},
		{"Привіт &amp; ąę", "Привіт & ąę"},
		{"<unclosed", "<unclosed"},
		{"", ""},
	} {
		if got := decodeMrkdwn(tt.in, name); got != tt.want {
			t.Errorf("decodeMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzDecodeMrkdwn: any text decodes without a panic, and text without
// markup characters comes out as it went in.
func FuzzDecodeMrkdwn(f *testing.F) {
	for _, s := range []string{"&gt;&gt; hi", "<@U1>", "<https://x|y>", "*a* _b_", "\x00", "<\x001\x00>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := decodeMrkdwn(s, func(string) string { return "X" })
		if !strings.ContainsAny(s, "&<>*_~`\x00") && got != s {
			t.Errorf("plain %q became %q", s, got)
		}
	})
}

// FuzzDecodeMarked: any text decodes with spans that lie inside the text,
// on character edges, and the text is the plain decoding's.
func FuzzDecodeMarked(f *testing.F) {
	for _, s := range []string{"&gt;&gt; *a* _b_", "*_x_*", "_*x*_", "*<@U1>*", "\uE000a\uE001", "* *", "*ą*ę_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name := func(string) string { return "X" }
		got, spans := takeSpans(decodeMarked(s, name))
		if plain := strings.TrimSpace(decodeMrkdwn(s, name)); got != plain {
			t.Fatalf("%q: marked %q, plain %q", s, got, plain)
		}
		for _, sp := range spans {
			if sp.Start < 0 || sp.End > len(got) || sp.Start >= sp.End {
				t.Fatalf("%q: span %+v outside %q", s, sp, got)
			}
			if utf8.ValidString(got) && (!utf8.RuneStart(got[sp.Start]) || sp.End < len(got) && !utf8.RuneStart(got[sp.End])) {
				t.Fatalf("%q: span %+v cuts a character of %q", s, sp, got)
			}
		}
	})
}

// TestDecodeMarkedSpans: bold and italic of a staff reply become spans of
// the decoded text (byte offsets), around mentions and links rendered as
// text; marks that do not pair, strike and code stay plain.
func TestDecodeMarkedSpans(t *testing.T) {
	name := func(id string) string { return map[string]string{"U1": "Anna"}[id] }
	type span struct {
		text  string
		style bot.Style
	}
	for _, tt := range []struct {
		in    string
		want  string
		spans []span
	}{
		{"proszę *przynieść* wniosek", "proszę przynieść wniosek", []span{{"przynieść", bot.StyleBold}}},
		{"_do piątku_, *pilne*", "do piątku, pilne", []span{{"do piątku", bot.StyleItalic}, {"pilne", bot.StyleBold}}},
		{"*_ważne_*", "ważne", []span{{"ważne", bot.StyleItalic}, {"ważne", bot.StyleBold}}},
		{"*pisze <@U1> &amp; <https://x.pl|wniosek>*", "pisze Anna & wniosek (https://x.pl)", []span{{"pisze Anna & wniosek (https://x.pl)", bot.StyleBold}}},
		{"  *Привіт* ąę", "Привіт ąę", []span{{"Привіт", bot.StyleBold}}},
		{"~nie~ `kod` 2*3*4 a_b_c", "nie kod 2*3*4 a_b_c", nil},
		{"marks \uE000typed\uE001 by hand", "marks typed by hand", nil},
	} {
		got, spans := takeSpans(decodeMarked(tt.in, name))
		if got != tt.want {
			t.Errorf("takeSpans(decodeMarked(%q)) text %q, want %q", tt.in, got, tt.want)
			continue
		}
		if plain := decodeMrkdwn(tt.in, name); strings.TrimSpace(plain) != got {
			t.Errorf("%q: the plain decoding %q differs from the marked one %q", tt.in, plain, got)
		}
		var have []span
		for _, sp := range spans {
			have = append(have, span{got[sp.Start:sp.End], sp.Style})
		}
		if !slices.Equal(have, tt.spans) {
			t.Errorf("%q: spans %+v, want %+v", tt.in, have, tt.spans)
		}
	}
}
