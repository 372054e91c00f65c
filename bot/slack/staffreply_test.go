package slack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/slack/slackfake"
)

// claimed opens a case, has U1 claim it and returns the card's ts.
func (h *harness) claimed(id string) string {
	h.t.Helper()
	ts := h.openCase(testCase(id))
	h.click("U1", actionClaim, id, ts)
	h.eventually("claimed", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	return ts
}

// deliverTo posts ev's event to d's own events handler, as Slack would to
// another replica or to the process after a restart.
func (h *harness) deliverTo(d *Desk, eventID string, ev slackfake.MessageEvent) {
	h.t.Helper()
	body := ev.Envelope(eventID)
	req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	slackfake.Sign(req.Header, body, testSecret, time.Now())
	rec := httptest.NewRecorder()
	d.EventsHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		h.t.Fatalf("event %s: status %d", eventID, rec.Code)
	}
}

// TestStaffReplyAsSlackSendsIt: a reply typed as ">> …" arrives escaped,
// with a link and a mention in Slack's markup, and reaches the engine
// decoded.
func TestStaffReplyAsSlackSendsIt(t *testing.T) {
	h := newHarness(t)
	ts := h.claimed("r1")
	h.say("EvR1", "U1", ts, slackfake.Escape(">> Proszę zadzwonić & zapytać o ")+slackfake.Link("https://mops.example/wniosek", "wniosek")+
		slackfake.Escape(": ")+slackfake.Link("tel:+48550000000", "55 000 00 00")+slackfake.Escape(", albo napisać do ")+slackfake.Mention("U2")+".")
	h.eventually("the reply reached the engine", func() bool { return len(h.engine.of(bot.StaffMessage)) == 1 })
	want := "Proszę zadzwonić & zapytać o wniosek (https://mops.example/wniosek): 55 000 00 00 (+48550000000), albo napisać do Piotr."
	if got := h.engine.of(bot.StaffMessage)[0].Text; got != want {
		t.Errorf("the resident gets %q\nwant %q", got, want)
	}
}

// TestStaffReplyDeliveredOnce: the same staff message delivered again
// under a new event id, and after a restart (a new desk on the same
// Redis), reaches the resident once.
func TestStaffReplyDeliveredOnce(t *testing.T) {
	h := newHarness(t)
	ts := h.claimed("r2")
	ev := h.say("EvD1", "U1", ts, slackfake.Escape(">> Dzień dobry"))
	h.eventually("delivered", func() bool { return len(h.engine.of(bot.StaffMessage)) == 1 })
	h.deliver("EvD2", ev) // another event id, same message
	restarted := h.replica("after-restart", nil)
	h.deliverTo(restarted, "EvD3", ev)
	h.deliverTo(restarted, "EvD1", ev) // the first id again, to a process that never saw it
	settle()
	if n := len(h.engine.of(bot.StaffMessage)); n != 1 {
		t.Errorf("the staff message reached the resident %d times, want once", n)
	}
}

// TestStaffReplyRetriedAfterFailure: a reply the engine could not deliver
// is not marked: Slack's retry delivers it (at least once).
func TestStaffReplyRetriedAfterFailure(t *testing.T) {
	h := newHarness(t)
	ts := h.claimed("r3")
	h.engine.mu.Lock()
	h.engine.fail = 3 // every attempt of the first delivery
	h.engine.mu.Unlock()
	ev := h.say("EvF1", "U1", ts, slackfake.Escape(">> Oddzwonię"))
	h.eventually("the organizer told it failed", func() bool { return len(h.ephemerals("U1")) == 1 })
	h.deliver("EvF1-retry", ev)
	h.eventually("delivered on the retry", func() bool { return len(h.engine.of(bot.StaffMessage)) == 1 })
}

// TestCrisisInAnOpenCase: a crisis entry on a claimed case is shown in the
// channel too (reply_broadcast), mentions the on-duty group, and marks the
// same card urgent; the kinds of entries read differently in the thread.
func TestCrisisInAnOpenCase(t *testing.T) {
	h := newHarness(t)
	ts := h.claimed("k1")
	ref := bot.CaseRef{ID: "k1", Key: "telegram:1"}
	for _, e := range []bot.Entry{
		{Kind: bot.EntryResident, Text: "a <b> & c"},
		{Kind: bot.EntryNote, Text: "Mieszkaniec wybrał: „Zakończ”."},
		{Kind: bot.EntryCrisis, Text: "nie chcę już żyć", Reason: "crisis:samobojstwo"},
	} {
		if err := h.desk.Relay(h.ctx, ref, e); err != nil {
			t.Fatal(err)
		}
	}
	h.eventually("three entries in the thread", func() bool { return len(h.slack.posts(inThread(ts))) == 3 })
	posts := h.slack.posts(inThread(ts))
	want := []string{"👤 *Mieszkaniec:* a &lt;b&gt; &amp; c", "🤖 _Bot:_ Mieszkaniec wybrał: „Zakończ”."}
	for i, w := range want {
		if got := posts[i].Get("text"); got != w {
			t.Errorf("entry %d: %q, want %q", i, got, w)
		}
		if posts[i].Get("reply_broadcast") == "true" {
			t.Errorf("entry %d shown in the channel", i)
		}
	}
	alert := posts[2]
	if !strings.HasPrefix(alert.Get("text"), "<!subteam^"+testOnDuty+">") || !strings.Contains(alert.Get("text"), "PILNE") ||
		!strings.Contains(alert.Get("text"), "nie chcę już żyć") {
		t.Errorf("crisis alert %q: want the on-duty mention, PILNE and the words", alert.Get("text"))
	}
	if alert.Get("reply_broadcast") != "true" {
		t.Error("the crisis alert is not shown in the channel")
	}
	h.eventually("card marked urgent", func() bool { return strings.Contains(h.slack.message(ts).Get("blocks"), blockUrgent) })
	if n := len(h.slack.posts(isCard)); n != 1 {
		t.Errorf("cards: %d, want the one case", n)
	}
	rec, _, _ := h.book.Get(h.ctx, "k1")
	if rec.Urgency != bot.UrgencyUrgent || rec.Holder != "U1" {
		t.Errorf("record after the crisis: %+v", rec)
	}
	// A later status change keeps the urgent mark.
	h.click("U1", actionClose, "k1", ts)
	h.eventually("closed", func() bool { return strings.Contains(h.slack.message(ts).Get("blocks"), "Zamknięta") })
	if !strings.Contains(h.slack.message(ts).Get("blocks"), blockUrgent) {
		t.Error("closing dropped the urgent mark")
	}
}

// TestCardForStaff: the card names the language and the services, and
// cuts long texts by characters (Slack's limits count characters: a
// Ukrainian letter is two bytes).
func TestCardForStaff(t *testing.T) {
	h := newHarness(t)
	c := testCase("u1")
	c.Lang, c.TopicName, c.Topic = "uk", "Senior i opieka", "seniorzy"
	c.Offered, c.OfferedNames = []string{"svc-17"}, []string{"Usługi opiekuńcze w domu"}
	c.Words = strings.Repeat("Мама не встає з ліжка. ", 120) // 2,760 characters, 5,040 bytes
	ts := h.openCase(c)
	card := readable(h.slack.message(ts).Get("blocks"))
	for _, want := range []string{"ukraiński", "Senior i opieka", "Usługi opiekuńcze w domu", strings.TrimSpace(c.Words)} {
		if !strings.Contains(card, want) {
			t.Errorf("the card lacks %.60q", want)
		}
	}
	if strings.Contains(card, "svc-17") || strings.Contains(card, "bez tematu") {
		t.Error("the card shows a service id or no topic")
	}
	if got := clip(strings.Repeat("ї", 3100), maxSectionText); utf8.RuneCountInString(got) != maxSectionText || !strings.HasSuffix(got, "…") {
		t.Errorf("clip to %d characters gave %d", maxSectionText, utf8.RuneCountInString(got))
	}
}

// TestClaimOfAnErasedCase: the organizer is told the case was erased, not
// that something went wrong.
func TestClaimOfAnErasedCase(t *testing.T) {
	h := newHarness(t)
	ts := h.openCase(testCase("e1"))
	if err := h.store.Erase(h.ctx, "telegram:42"); err != nil {
		t.Fatal(err)
	}
	h.click("U1", actionClaim, "e1", ts)
	h.eventually("told", func() bool { return len(h.ephemerals("U1")) == 1 })
	if got := h.ephemerals("U1")[0]; !strings.Contains(got, "usunął swoje dane") {
		t.Errorf("the organizer was told %q", got)
	}
}

// TestCrisisAlertQuotesEveryLine: a crisis message of several lines is
// quoted whole under the alert, each line, escaped.
func TestCrisisAlertQuotesEveryLine(t *testing.T) {
	h := newHarness(t)
	ts := h.claimed("k3")
	e := bot.Entry{Kind: bot.EntryCrisis, Text: "nie dam rady\nmam tabletki <!here>", Reason: "crisis:samobojstwo"}
	if err := h.desk.Relay(h.ctx, bot.CaseRef{ID: "k3", Key: "telegram:3"}, e); err != nil {
		t.Fatal(err)
	}
	h.eventually("the alert in the thread", func() bool { return len(h.slack.posts(inThread(ts))) == 1 })
	got := h.slack.posts(inThread(ts))[0].Get("text")
	if !strings.HasSuffix(got, "\n>nie dam rady\n>mam tabletki &lt;!here&gt;") {
		t.Errorf("alert %q: want every line of the words quoted and escaped", got)
	}
}

// TestEscapedTextKeepsLimitsAndWholeEntities: a resident's text full of &
// and < grows five- and four-fold when escaped; the card's words section
// still fits Slack's 3,000-character section limit, the relay stays within
// maxMessageText, and no cut leaves half an entity (&am…) for staff.
func TestEscapedTextKeepsLimitsAndWholeEntities(t *testing.T) {
	broken := regexp.MustCompile(`&(?:amp|lt|gt);`)
	whole := func(t *testing.T, what, text string) {
		t.Helper()
		if rest := broken.ReplaceAllString(text, ""); strings.Contains(rest, "&") {
			t.Errorf("%s cuts an entity: ends %q", what, text[max(0, len(text)-12):])
		}
	}
	for _, words := range []string{strings.Repeat("&<", 2000), strings.Repeat("a&", 2000), strings.Repeat(">ї&", 1500)} {
		h := newHarness(t)
		c := testCase("e1")
		c.Words = words
		for _, b := range h.desk.caseBlocks(c) {
			s, ok := b.(*slackapi.SectionBlock)
			if !ok || s.Text == nil || !strings.Contains(s.Text.Text, "Słowa mieszkańca") {
				continue
			}
			if n := utf8.RuneCountInString(s.Text.Text); n > maxSectionText {
				t.Errorf("words section of %d characters, Slack's limit is %d", n, maxSectionText)
			}
			whole(t, "the words section", s.Text.Text)
		}
		ts := h.openCase(c)
		if err := h.desk.Relay(h.ctx, bot.CaseRef{ID: c.ID, Key: c.Key}, said(words)); err != nil {
			t.Fatal(err)
		}
		h.eventually("the relay", func() bool { return len(h.slack.posts(inThread(ts))) == 1 })
		text := h.slack.posts(inThread(ts))[0].Get("text")
		if n, limit := utf8.RuneCountInString(text), maxMessageText+utf8.RuneCountInString(textResident); n > limit {
			t.Errorf("relay of %d characters, want at most %d", n, limit)
		}
		whole(t, "the relay", text)
	}
}
