package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/memory"
)

// TestUndeliveredTellsTheOpenCase: a message that did not reach the
// resident makes a note in their open case's thread — one per case and
// kind within the quiet window, another kind or after the window again —
// and nothing for a conversation without an open case.
func TestUndeliveredTellsTheOpenCase(t *testing.T) {
	desk := &recordingDesk{}
	store := memory.New()
	now := testTime
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: store, Desk: desk, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := store.Save(ctx, &bot.Session{Key: "telegram:5", Case: "C1", Lang: "pl"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, &bot.Session{Key: "telegram:6", Lang: "pl"}, ""); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		chat  string
		why   bot.Undelivered
		after time.Duration
		want  string // the note's start; "" for none
	}{
		{"5", bot.UndeliveredBlocked, 0, "C1 note: ⚠️ Wiadomość nie dotarła do mieszkańca: Telegram jej nie przyjął (mieszkaniec zablokował bota"},
		{"5", bot.UndeliveredBlocked, time.Second, ""},
		{"5", bot.UndeliveredBlocked, time.Minute, ""},
		{"5", bot.UndeliveredGaveUp, 0, "C1 note: ⚠️ Wiadomość nie dotarła do mieszkańca: Telegram był niedostępny"},
		{"5", bot.UndeliveredBlocked, 10 * time.Minute, "C1 note: ⚠️ Wiadomość nie dotarła do mieszkańca: Telegram jej nie przyjął (mieszkaniec"},
		{"6", bot.UndeliveredBlocked, 0, ""},   // no open case
		{"7", bot.UndeliveredGaveUp, 0, ""},    // no conversation
		{"5", bot.Undelivered("other"), 0, ""}, // unknown: nothing to say
	}
	for i, st := range steps {
		now = now.Add(st.after)
		before := len(desk.relays)
		eng.Undelivered("telegram", st.chat, st.why)
		got := desk.relays[before:]
		switch {
		case st.want == "" && len(got) != 0:
			t.Errorf("step %d (%s %s): notes %q; want none", i, st.chat, st.why, got)
		case st.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], st.want)):
			t.Errorf("step %d (%s %s): notes %q; want one starting %q", i, st.chat, st.why, got, st.want)
		}
	}
}
