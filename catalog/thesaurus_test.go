package catalog

import (
	"slices"
	"strings"
	"testing"

	"okienko/bot/textnorm"
)

var textnormWords = textnorm.PhraseWords

func TestDefaultThesaurusLoads(t *testing.T) {
	th, probs := DefaultThesaurus()
	if th == nil {
		t.Fatalf("bundled thesaurus: %v", probs)
	}
	if len(probs) > 0 {
		t.Errorf("bundled thesaurus has problems: %v", probs)
	}
}

func TestThesaurusExpands(t *testing.T) {
	th, _ := DefaultThesaurus()
	tests := []struct {
		text string
		want string // one of the catalogue words expected
	}{
		{"opiekunka dla mamy", "usługi opiekuńcze"},
		{"mąż pije", "uzależnienie od alkoholu"},
		{"maz pije od lat", "współuzależnienie"},
		{"on mnie bije", "przemoc domowa"},
		{"nie mam gdzie spać", "noclegownia"},
		{"Nie mam gdzie spac od tygodnia", "bezdomność"},
		{"wózek dla taty", "sprzęt rehabilitacyjny"},
		{"wozek dla taty", "sprzęt rehabilitacyjny"},
		{"komornik zajął mi pensję", "zadłużenie"},
		{"nie starcza na czynsz", "dodatek mieszkaniowy"},
		{"nowhere to sleep tonight", "shelter"},
	}
	for _, tt := range tests {
		got := th.Expand(tt.text)
		if !slices.Contains(got, tt.want) {
			t.Errorf("Expand(%q) = %v, want it to contain %q", tt.text, got, tt.want)
		}
	}
	if got := th.Expand("jaka jest pogoda"); len(got) != 0 {
		t.Errorf("Expand of an unrelated sentence = %v, want nothing", got)
	}
}

// TestThesaurusExpandFrom: each catalogue term comes with the words of the
// message it was read from, and only those.
func TestThesaurusExpandFrom(t *testing.T) {
	th, _ := DefaultThesaurus()
	tests := []struct {
		text, term string
		from       []string
	}{
		{"naprawa pralki", "zasiłek celowy", []string{"pralki"}},
		{"kiedy przyjdzie moja emerytura", "ZUS", []string{"kiedy", "emerytura"}}, // the benefit, not the pensioner
		{"maz pije od lat", "współuzależnienie", []string{"maz", "pije"}},
	}
	for _, tt := range tests {
		var got []string
		found := false
		for _, e := range th.ExpandFrom(textnormWords(tt.text), nil) {
			if e.Term == tt.term {
				found, got = true, e.From
			}
		}
		if !found || !slices.Equal(got, tt.from) {
			t.Errorf("ExpandFrom(%q): %q from %v (found %v), want from %v", tt.text, tt.term, got, found, tt.from)
		}
	}
	if got, want := th.ExpandKnown(textnormWords("mąż pije, nie mam gdzie spać"), nil), th.Expand("mąż pije, nie mam gdzie spać"); !slices.Equal(got, want) {
		t.Errorf("ExpandKnown %v differs from Expand %v", got, want)
	}
}

func TestThesaurusErrors(t *testing.T) {
	bad := "entries:\n  - when: [ok, \"x*y\"]\n    means: [a]\n  - when: [b]\n"
	_, probs := ParseThesaurus([]File{{Name: "t.yaml", Data: []byte(bad)}})
	got := probs.Err()
	for _, want := range []string{"t.yaml:2:16: \"x*y\": '*' may only end a word", "t.yaml:4:5: an entry needs both when: and means:"} {
		if got == nil || !strings.Contains(got.Error(), want) {
			t.Errorf("problems %v, want %q", got, want)
		}
	}
}
