package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"okienko/bot"
	"okienko/bot/memory"
)

// TestCaseCardForAFreeTextResident: a resident who described their
// situation in their own words (no topic chosen) raises a case whose topic
// is the category of the services found, named as the dialog names it,
// with the services by name and the resident's words not repeated among
// the answers.
func TestCaseCardForAFreeTextResident(t *testing.T) {
	desk := &recordingDesk{}
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Searcher: testSearcher(t), Desk: desk})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range []bot.Message{
		{Text: "Moja mama po udarze nie radzi sobie sama w domu"},
		{Text: "/czlowiek"},
		{Choice: "czat"},
		{Choice: "tak"},
	} {
		m.Channel, m.ChatID, m.EventID = "test", "11", strconv.Itoa(i)
		if _, err := eng.Handle(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if len(desk.opened) != 1 {
		t.Fatalf("cases: %d", len(desk.opened))
	}
	c := desk.opened[0]
	// The dialog's labels are capitalised; the catalogue's slugs are not.
	if c.TopicName == "" || c.TopicName == strings.ToLower(c.TopicName) {
		t.Errorf("topic %q (raw %q); want the dialog's label of the services' category", c.TopicName, c.Topic)
	}
	if len(c.OfferedNames) == 0 || len(c.OfferedNames) != len(c.Offered) || strings.Contains(strings.Join(c.OfferedNames, ""), c.Offered[0]) {
		t.Errorf("offered by name %q (ids %q)", c.OfferedNames, c.Offered)
	}
	for k, v := range c.Answers {
		if v == c.Words {
			t.Errorf("the resident's words repeated under the answers (%s)", k)
		}
	}
	if !strings.Contains(c.Words, "po udarze") {
		t.Errorf("words %q", c.Words)
	}
}

// TestOpenCaseTakesFilesAndContacts: while a claimed case is open, a
// shared contact goes to the thread as the number, and a file goes there
// as a file entry with its caption; outside a case a file gets a kind
// answer and reaches nobody.
func TestOpenCaseTakesFilesAndContacts(t *testing.T) {
	desk := &recordingDesk{}
	eng, send := caseChat(t, desk, "F1", "12")
	photo := &bot.Attachment{Kind: "photo", ID: "AgAD1", Size: 1000}
	if got := send(bot.Message{Attachment: photo}); !strings.Contains(got, "pracownik Centrum może je zobaczyć") {
		t.Errorf("a photo outside a case: %q", got)
	}
	send(bot.Message{Text: "/czlowiek"})
	send(bot.Message{Choice: "czat"})
	send(bot.Message{Choice: "tak"})
	if _, err := eng.Staff(context.Background(), bot.StaffEvent{Kind: bot.StaffClaimed, Case: bot.CaseRef{ID: "F1", Key: "test:12"}, Name: "Anna", EventID: "c"}); err != nil {
		t.Fatal(err)
	}
	send(bot.Message{Phone: "+48501234567"})
	if got := send(bot.Message{Attachment: photo, Text: "pismo z sądu"}); !strings.Contains(got, "Plik przekazano") {
		t.Errorf("a photo in the case: %q", got)
	}
	big := &bot.Attachment{Kind: "video", ID: "BAAD", Size: bot.MaxAttachmentBytes + 1}
	if got := send(bot.Message{Attachment: big}); !strings.Contains(got, "za duży") {
		t.Errorf("a file too big: %q", got)
	}
	want := []string{"F1 resident: 📞 +48501234567", "F1 file: pismo z sądu"}
	if strings.Join(desk.relays, "|") != strings.Join(want, "|") {
		t.Errorf("in the thread %q, want %q", desk.relays, want)
	}
}

// TestCrisisWithAFileKeepsTheFile: a file whose caption is a crisis goes
// to the claimed case after the alert, not dropped with the words.
func TestCrisisWithAFileKeepsTheFile(t *testing.T) {
	desk := &recordingDesk{}
	eng, send := caseChat(t, desk, "F2", "13")
	send(bot.Message{Text: "/czlowiek"})
	send(bot.Message{Choice: "czat"})
	send(bot.Message{Choice: "tak"})
	if _, err := eng.Staff(context.Background(), bot.StaffEvent{Kind: bot.StaffClaimed, Case: bot.CaseRef{ID: "F2", Key: "test:13"}, Name: "Anna", EventID: "c"}); err != nil {
		t.Fatal(err)
	}
	photo := &bot.Attachment{Kind: "photo", ID: "AgAD2", Size: 1000}
	got := send(bot.Message{Attachment: photo, Text: "nie chce juz zyc"})
	if !strings.Contains(got, "Plik przekazano") {
		t.Errorf("the resident is not told where the file went: %q", got)
	}
	want := []string{"F2 crisis: nie chce juz zyc", "F2 file: "}
	if strings.Join(desk.relays, "|") != strings.Join(want, "|") {
		t.Errorf("in the thread %q, want %q", desk.relays, want)
	}
}

// caseChat is an engine with desk whose cases are numbered caseID, and a
// function that sends a message of the chat chatID and returns the reply.
func caseChat(t *testing.T, desk bot.Desk, caseID, chatID string) (*bot.Engine, func(bot.Message) string) {
	t.Helper()
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Desk: desk, NewID: func() string { return caseID }})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	return eng, func(m bot.Message) string {
		t.Helper()
		n++
		m.Channel, m.ChatID, m.EventID = "test", chatID, strconv.Itoa(n)
		events, err := eng.Handle(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		return replyText(events)
	}
}
