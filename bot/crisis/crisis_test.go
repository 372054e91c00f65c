package crisis

import (
	"errors"
	"testing"
)

func TestPhraseSyntax(t *testing.T) {
	d, err := New([]Group{
		{Name: "self", Phrases: []string{"zabi* się", "nie chce|chcę żyć", "samobój*"}},
		{Name: "uk", Phrases: []string{"вб'ю себе"}},
		{Name: "breath", Phrases: []string{"nie oddycha"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text  string
		group string
	}{
		{"Zabiję się", "self"},
		{"chyba sie zabije... nie, zabije sie dzisiaj", "self"},
		{"NIE CHCĘ JUŻ DŁUŻEJ ŻYĆ", "self"},    // two words between
		{"nie chce juz tak dalej zyc", "self"}, // any order, within a sentence
		{"mam mysli samobujcze", "self"},       // stem match, typo after the stem
		{"mam myśli smaobójcze", "self"},       // one swap inside a long stem
		{"я вб’ю себе", "uk"},                  // typographic apostrophe
		{"tata nie oddycha!!!", "breath"},
		{"tata nie odycha", "breath"}, // one typo in a long word
		{"tata nie odyha", ""},        // two typos
		{"zabić czas", ""},            // words out of the phrase
		{"chce zyc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		g, ok := d.Detect(tt.text)
		if g != tt.group || ok != (tt.group != "") {
			t.Errorf("Detect(%q) = %q, %v; want %q", tt.text, g, ok, tt.group)
		}
	}
}

func TestPhraseErrors(t *testing.T) {
	tests := []struct {
		phrases []string
		index   int
	}{
		{[]string{"ok", "  "}, 1},
		{[]string{"za*bic"}, 0},
		{[]string{"ok", "ok", "zb*"}, 2},
		{[]string{"a b c d e f g h i"}, 0},
		{[]string{"nie chce||zyc"}, 0},
		{[]string{"(zabic)"}, 0},
	}
	for _, tt := range tests {
		_, err := New([]Group{{Name: "fine", Phrases: []string{"ratunku"}}, {Name: "g", Phrases: tt.phrases}})
		var pe *PhraseError
		if !errors.As(err, &pe) || pe.Group != 1 || pe.Index != tt.index {
			t.Errorf("New(%q) = %v, want a PhraseError at group 1 phrase %d", tt.phrases, err, tt.index)
		}
	}
}
