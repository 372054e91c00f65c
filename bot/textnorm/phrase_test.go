package textnorm

import "testing"

func TestWithin1(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"oddycha", "oddycha", true}, {"odycha", "oddycha", true}, {"oddychaa", "oddycha", true},
		{"oddyxha", "oddycha", true}, {"odydcha", "oddycha", true}, {"odyxha", "oddycha", false},
		{"ab", "abcd", false}, {"", "a", true},
	} {
		if got := OneEditApart(tt.a, tt.b); got != tt.want {
			t.Errorf("OneEditApart(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestPhraseIn(t *testing.T) {
	tests := []struct {
		phrase, text string
		want         bool
	}{
		{"nie mam gdzie spac|spać", "Nie mam już gdzie spać", true},
		{"nie mam gdzie spac", "nie mam pieniedzy ani jedzenia a gdzie tu spac", false}, // three words between
		{"opiekun*", "szukam opiekunki", true},
		{"opiekun*", "opieka", false},
		{"wózek|wozek", "wuzek dla taty", false}, // five letters: no typo forgiven
		{"noclegownia", "noclegowinia", true},    // one typo in a long word
	}
	for _, tt := range tests {
		ph, err := CompilePhrase(tt.phrase)
		if err != nil {
			t.Fatal(err)
		}
		if got := ph.In(PhraseWords(tt.text)); got != tt.want {
			t.Errorf("%q in %q = %v, want %v", tt.phrase, tt.text, got, tt.want)
		}
	}
}
