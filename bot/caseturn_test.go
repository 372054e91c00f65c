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
