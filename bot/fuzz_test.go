package bot_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"okienko/bot"
)

// FuzzHandle sends arbitrary text and button ids at every kind of step:
// the engine must not crash, must always answer, and must never show Go
// error text to the resident.
func FuzzHandle(f *testing.F) {
	for _, seed := range []struct{ prep, text, choice string }{
		{"", "Moja mama po udarze nie radzi sobie sama w domu", ""},
		{"[seniorzy]", "", "bliski"},
		{"[kryzys]\n[ja]", "może", ""},
		{"/czlowiek\n[telefon]", "+48 (22) 123-45-67", ""},
		{"", "/usun", ""},
		{"", "\x00\xff{{centre_phone}}%s%!", "/czlowiek"},
		{"/jezyk", "українська", ""},
		{"[inne]", strings.Repeat("ą", 5000), ""},
		{"", "Gdzie jest noclegownia? Mąż mnie teraz bije.", ""},
		{"/start\nnic już nie ma sensu, szukam pomocy z czynszem", "nie", ""},
		{"chyba się zabiję", "to był żart", ""},
	} {
		f.Add(seed.prep, seed.text, seed.choice)
	}
	sc := bundledScript(f)
	f.Fuzz(func(t *testing.T, prep, text, choice string) {
		h := newHarness(t, testSearcher(t))
		h.eng.SetScript(sc)
		for _, line := range strings.Split(prep, "\n") {
			if line != "" {
				h.say(t, line)
			}
		}
		events, err := h.eng.Handle(context.Background(), bot.Message{Channel: "fuzz", ChatID: "42", EventID: "last", Text: text, Choice: choice})
		if err != nil {
			t.Fatalf("handle: %v", err)
		}
		replied := false
		for _, ev := range events {
			if ev.Kind != bot.EventReply {
				continue
			}
			replied = true
			for _, bad := range []string{"%!", "<nil>", "runtime error", "panic", "{{"} {
				if strings.Contains(ev.Reply.Text, bad) && !strings.Contains(text, bad) {
					t.Errorf("reply shows %q: %q", bad, ev.Reply.Text)
				}
			}
			if !utf8.ValidString(ev.Reply.Text) && utf8.ValidString(text) {
				t.Errorf("reply is not valid UTF-8: %q", ev.Reply.Text)
			}
		}
		if !replied {
			t.Errorf("no reply to %q / [%s]", text, choice)
		}
	})
}
