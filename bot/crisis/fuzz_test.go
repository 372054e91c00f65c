package crisis

import (
	"testing"

	"okienko/bot/textnorm"
)

// FuzzDetect feeds arbitrary rules and messages: compiling either rejects
// the rule with a PhraseError or yields a detector that answers without
// panicking, and Rest never returns more words than it was given.
func FuzzDetect(f *testing.F) {
	f.Add("zabi* się", "Zabiję się dziś")
	f.Add("nie chce|chcę żyć", "nie chce juz zyc")
	f.Add("вб'ю себе", "я вб’ю себе")
	f.Add("a|b|c", "\xff\xfe")
	f.Add("nie", "nie, nie. nie!")
	f.Add("mnie zabije", "Gdzie? Mąż mnie zabije… teraz; pomocy\n")
	f.Fuzz(func(t *testing.T, rule, text string) {
		d, err := New([]Group{{Name: "g", Phrases: []string{rule}, Concern: []string{rule}, Except: []string{"rok temu"}}})
		if err != nil {
			if _, ok := err.(*PhraseError); !ok {
				t.Fatalf("error %v is not a *PhraseError", err)
			}
			return
		}
		r := d.Check(text)
		if r.Level != None && r.Group != "g" {
			t.Fatalf("Check(%q) = %v", text, r)
		}
		if rest := d.Rest(text); len(textnorm.Words(rest)) > len(textnorm.Words(text)) {
			t.Fatalf("Rest(%q) = %q has more words", text, rest)
		}
	})
}
