package crisis

import (
	"errors"
	"testing"
)

func TestRuleSyntax(t *testing.T) {
	d, err := New([]Group{
		{Name: "self", Phrases: []string{"zabi* się", "nie chce|chcę żyć", "samobój*"}, Concern: []string{"nie sensu"},
			Except: []string{"zapobieg* samobój*"}},
		{Name: "uk", Phrases: []string{"вб'ю себе"}},
		{Name: "breath", Phrases: []string{"nie oddycha"}},
		{Name: "violence", Phrases: []string{"boje|boję się mnie zabije"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text  string
		level Level
		group string
	}{
		{"Zabiję się", Crisis, "self"},
		{"sie zabije dzisiaj", Crisis, "self"},                                // any order
		{"NIE CHCĘ JUŻ DŁUŻEJ ŻYĆ", Crisis, "self"},                           // words between
		{"żyć już nie chcę", Crisis, "self"},                                  // any order with the negation bound
		{"mam mysli samobujcze", Crisis, "self"},                              // stem match, typo after the stem
		{"mam myśli smaobójcze", Crisis, "self"},                              // one swap inside a long stem
		{"nie mam myśli samobójczych", None, ""},                              // negated word
		{"spokojnie, nie chcę się zabić", None, ""},                           // negated within three words
		{"nie wiem, chyba się zabiję", Crisis, "self"},                        // a comma ends the negation
		{"szkolenie o zapobieganiu samobójstwom", None, ""},                   // except in the sentence
		{"szkolenie o zapobieganiu samobójstwom. Zabiję się", Crisis, "self"}, // except does not reach other sentences
		{"zabić. się", None, ""},                                              // one sentence only
		{"to nie ma sensu", Concern, "self"},
		{"to nie ma sensu, zabiję się", Crisis, "self"},     // crisis wins over concern
		{"boję się, że on mnie zabije", Crisis, "violence"}, // the more specific rule wins
		{"я вб’ю себе", Crisis, "uk"},                       // typographic apostrophe
		{"tata nie oddycha!!!", Crisis, "breath"},
		{"tata nie odycha", Crisis, "breath"}, // one typo in a long word
		{"tata oddycha", None, ""},            // the rule asks for the negation
		{"tata nie odyha", None, ""},          // two typos
		{"zabić czas", None, ""},
		{"chce zyc", None, ""},
		{"", None, ""},
	}
	for _, tt := range tests {
		r := d.Check(tt.text)
		if r.Level != tt.level || r.Group != tt.group {
			t.Errorf("Check(%q) = %v/%q; want %v/%q", tt.text, r.Level, r.Group, tt.level, tt.group)
		}
		g, ok := d.Detect(tt.text)
		if ok != (tt.level == Crisis) || (ok && g != tt.group) {
			t.Errorf("Detect(%q) = %q, %v", tt.text, g, ok)
		}
	}
}

func TestPastIsLiftedByNow(t *testing.T) {
	d, err := New([]Group{{Name: "v", Phrases: []string{"mnie bije|pobil|pobił"}, Past: []string{"rok temu"}, Except: []string{"szef zabije"}}})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]Level{
		"rok temu mnie pobił":                          None,
		"rok temu mnie pobił, dziś szukam prawnika":    None, // "dziś" is not between
		"rok temu mnie pobił, a teraz znowu mnie bije": Crisis,
		"bije mnie teraz, a rok temu też pobił":        Crisis,
		"mnie bije": Crisis,
	} {
		if got := d.Check(text).Level; got != want {
			t.Errorf("Check(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestWindowBoundsARule(t *testing.T) {
	d, err := New([]Group{{Name: "g", Phrases: []string{"sznur kupilam"}}})
	if err != nil {
		t.Fatal(err)
	}
	near := "kupilam dzis sznur"
	far := "kupilam a b c d e f g h i j k l m sznur"
	if d.Check(near).Level != Crisis || d.Check(far).Level != None {
		t.Errorf("window: near %v, far %v", d.Check(near), d.Check(far))
	}
}

func TestRestKeepsTheQuestion(t *testing.T) {
	d, err := New([]Group{{Name: "v", Phrases: []string{"mnie bije"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Rest("Gdzie jest noclegownia? Mąż mnie bije! Pomóżcie.")
	if want := "Gdzie jest noclegownia? Pomóżcie."; got != want {
		t.Errorf("Rest = %q, want %q", got, want)
	}
}

func TestANegationEndingARuleIsAWord(t *testing.T) {
	d, err := New([]Group{{Name: "unsafe", Phrases: []string{"nie"}}, {Name: "safe", Phrases: []string{"tak", "nic nie jest"}}})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{"nie": "unsafe", "tak": "safe", "nic mi nie jest": "safe", "Nie.": "unsafe"} {
		if r := d.Check(text); r.Group != want {
			t.Errorf("Check(%q) = %q, want %q", text, r.Group, want)
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
		{[]string{"ok", "nie|tak sensu"}, 1},
	}
	for _, tt := range tests {
		_, err := New([]Group{{Name: "fine", Phrases: []string{"ratunku"}}, {Name: "g", Phrases: tt.phrases}})
		var pe *PhraseError
		if !errors.As(err, &pe) || pe.Group != 1 || pe.Index != tt.index || pe.List != "phrases" {
			t.Errorf("New(%q) = %v, want a PhraseError at group 1 phrase %d", tt.phrases, err, tt.index)
		}
	}
	_, err := New([]Group{{Name: "g", Phrases: []string{"ok"}, Concern: []string{"ok", "x*"}}})
	var pe *PhraseError
	if !errors.As(err, &pe) || pe.List != "concern" || pe.Index != 1 {
		t.Errorf("a bad concern rule gave %v", err)
	}
}
