package bot

import (
	"slices"
	"strings"
	"testing"

	"okienko/bot/tsvtest"
)

// TestFollowUpQuestionSets measures how often a follow-up question is
// read as asking what it asks: on the development set (tuned on) and the
// frozen holdout.
func TestFollowUpQuestionSets(t *testing.T) {
	for _, set := range []struct {
		name string
		min  float64
	}{{"dev", 1.0}, {"holdout", 0.85}} {
		t.Run(set.name, func(t *testing.T) {
			rows := tsvtest.Pairs(t, "testdata/followup/"+set.name+".tsv")
			right := 0
			for _, r := range rows {
				want := []string{}
				if r[1] != "-" {
					want = strings.Split(r[1], ",")
				}
				got := questionKinds(r[0])
				if got == nil {
					got = []string{}
				}
				slices.Sort(want)
				g := slices.Clone(got)
				slices.Sort(g)
				if slices.Equal(g, want) {
					right++
				} else {
					t.Logf("%q: got %v, want %v", r[0], got, want)
				}
			}
			acc := float64(right) / float64(len(rows))
			t.Logf("%s: %d of %d follow-up questions read right (%.3f)", set.name, right, len(rows), acc)
			if acc < set.min {
				t.Errorf("accuracy %.3f, want ≥ %.2f", acc, set.min)
			}
		})
	}
}

// FuzzReadQuestion feeds arbitrary text to what reads a resident's words
// around the services shown: what is asked, which service is named, the
// language and a request for another one. Never a panic; answers stay
// within their sets.
func FuzzReadQuestion(f *testing.F) {
	for _, s := range []string{"a za ile?", "ta druga, gdzie to jest", "can you answer in English?", "можна українською?", "", "1", "ąęł ile kosztuje\x00", strings.Repeat("gdzie ", 50)} {
		f.Add(s)
	}
	shown := []Service{{ID: "a", Name: "Usługi opiekuńcze"}, {ID: "b", Name: "Klub Seniora"}, {ID: "c", Name: "Teleopieka — opaska"}}
	f.Fuzz(func(t *testing.T, text string) {
		for _, k := range questionKinds(text) {
			if !slices.Contains(askOrder, k) {
				t.Fatalf("unknown kind %q", k)
			}
		}
		if i := namedService(text, shown, nil); i < -1 || i >= len(shown) {
			t.Fatalf("named %d of %d", i, len(shown))
		}
		for _, l := range []string{DetectLanguage(text), languageRequest(text)} {
			if l != "" && l != "pl" && l != "uk" && l != "en" {
				t.Fatalf("language %q", l)
			}
		}
	})
}

// TestNamedServiceAfterReload: when a catalogue reload dropped a service
// shown, the resident's "ta druga" still means the second one on the list
// they saw, not whichever came second among those left.
func TestNamedServiceAfterReload(t *testing.T) {
	left := []Service{{ID: "a", Name: "Usługi opiekuńcze"}, {ID: "c", Name: "Teleopieka — opaska"}}
	pos := []int{0, 2} // "b", number 2, is gone
	for _, tc := range []struct {
		text string
		want int
	}{
		{"ta pierwsza, ile kosztuje?", 0},
		{"a ta druga?", -1},
		{"trzecia — gdzie to jest?", 1},
		{"3", 1},
	} {
		if got := namedService(tc.text, left, pos); got != tc.want {
			t.Errorf("namedService(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}
