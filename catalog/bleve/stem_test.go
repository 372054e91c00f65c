package bleve

import (
	"slices"
	"testing"
)

func TestStemsMeetForInflectedForms(t *testing.T) {
	shared := func(a, b []string) bool {
		for _, s := range a {
			if slices.Contains(b, s) {
				return true
			}
		}
		return false
	}
	for _, group := range [][]string{
		{"mieszkanie", "mieszkania", "mieszkaniem", "mieszkaniach", "mieszkań", "mieszkan"},
		{"zasiłek", "zasiłku", "zasilku", "zasilek"},
		{"dziecko", "dzieci", "dzieckiem", "dzieciom"},
		{"opiekunka", "opiekunki", "opiekunke", "opiekunkę"},
		{"доглядальниця", "доглядальницю", "доглядальниці"},
	} {
		for _, w := range group[1:] {
			// Directly or through another form of the group.
			if !shared(Stems(group[0]), Stems(w)) && !slices.ContainsFunc(group[1:], func(o string) bool {
				return shared(Stems(group[0]), Stems(o)) && shared(Stems(o), Stems(w))
			}) {
				t.Errorf("%q %v and %q %v share no stem", group[0], Stems(group[0]), w, Stems(w))
			}
		}
	}
	for _, pair := range [][2]string{{"mieszkanie", "dziecko"}, {"remont", "rachunek"}, {"pies", "piec"}} {
		if shared(Stems(pair[0]), Stems(pair[1])) {
			t.Errorf("%q %v and %q %v should not meet", pair[0], Stems(pair[0]), pair[1], Stems(pair[1]))
		}
	}
}

func TestStemsDropStopWords(t *testing.T) {
	for _, w := range []string{"się", "sie", "dla", "jest", "", "dwa słowa"} {
		if got := Stems(w); got != nil {
			t.Errorf("Stems(%q) = %v, want none", w, got)
		}
	}
	if got := Stem("mieszkania"); got != "mieszkac" {
		t.Errorf("Stem(mieszkania) = %q, want the index's folded Stempel stem mieszkac", got)
	}
	if got := Stems("mąż"); !slices.Contains(got, "maz") {
		t.Errorf("Stems(mąż) = %v: the light stem keeps a word Stempel empties", got)
	}
}
