package catalog

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"

	"okienko/bot/textnorm"
	"okienko/bot/yamlfile"
)

// Thesaurus maps the everyday words residents use ("opiekunka", "mąż pije",
// "nie mam gdzie spać") to the words a catalogue uses ("usługi opiekuńcze",
// "uzależnienie", "noclegownia"). The search adds the catalogue words to a
// query whose text contains one of an entry's phrases. Phrases use the
// syntax of textnorm.CompilePhrase (stems with *, spellings with |).
type Thesaurus struct {
	entries []thesaurusEntry
	weak    []textnorm.Phrase
	// wholeWords are the phrases' words without '*': correctly spelled
	// words for the Lexicon.
	wholeWords []string
}

type thesaurusEntry struct {
	when  []textnorm.Phrase
	means []string
}

// ThesaurusFile is the YAML form organizers edit.
type ThesaurusFile struct {
	// Entries map residents' phrases to catalogue words.
	Entries []ThesaurusEntry `yaml:"entries"`
	// Weak lists words that alone never make a search confident ("pomoc",
	// "mama"): they appear in every kind of request.
	Weak []string `yaml:"weak"`
}

// ThesaurusEntry is one mapping.
type ThesaurusEntry struct {
	When  []string `yaml:"when"`
	Means []string `yaml:"means"`
}

//go:embed thesaurus.yaml
var defaultThesaurus []byte

// DefaultThesaurusName names the bundled thesaurus in problems.
const DefaultThesaurusName = "catalog/thesaurus.yaml"

// DefaultThesaurus is the bundled Polish thesaurus, general for social
// services (not tuned to any one catalogue).
func DefaultThesaurus() (*Thesaurus, Problems) {
	return ParseThesaurus([]File{{Name: DefaultThesaurusName, Data: defaultThesaurus}})
}

// LoadThesaurus reads the bundled thesaurus plus organizers' files, which
// add entries and weak words.
func LoadThesaurus(paths ...string) (*Thesaurus, Problems) {
	files := []File{{Name: DefaultThesaurusName, Data: defaultThesaurus}}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, Problems{yamlfile.Newf(p, 1, 1, "cannot read: %v", pathless(err))}
		}
		files = append(files, File{Name: p, Data: data})
	}
	return ParseThesaurus(files)
}

// ParseThesaurus decodes and compiles thesaurus files.
func ParseThesaurus(files []File) (*Thesaurus, Problems) {
	th := &Thesaurus{}
	var probs Problems
	for _, f := range files {
		var tf ThesaurusFile
		pos, p := yamlfile.Decode(f.Name, f.Data, &tf, yamlfile.Options{MaxSize: MaxFileSize, MaxDepth: maxDepth})
		if p != nil {
			probs = append(probs, p...)
			continue
		}
		at := func(path, format string, args ...any) {
			ps := pos.At(path)
			probs = append(probs, yamlfile.Newf(f.Name, ps.Line, ps.Column, format, args...))
		}
		for i, e := range tf.Entries {
			var te thesaurusEntry
			for j, w := range e.When {
				ph, err := textnorm.CompilePhrase(w)
				if err != nil {
					at(fmt.Sprintf("entries[%d].when[%d]", i, j), "%v", err)
					continue
				}
				te.when = append(te.when, ph)
				for _, alt := range strings.FieldsFunc(w, func(r rune) bool { return r == ' ' || r == '|' }) {
					if !strings.HasSuffix(alt, "*") {
						th.wholeWords = append(th.wholeWords, alt)
					}
				}
			}
			for j, m := range e.Means {
				if strings.TrimSpace(m) == "" {
					at(fmt.Sprintf("entries[%d].means[%d]", i, j), "empty word")
					continue
				}
				te.means = append(te.means, m)
			}
			if len(e.When) == 0 || len(e.Means) == 0 {
				at(fmt.Sprintf("entries[%d]", i), "an entry needs both when: and means:")
			}
			th.entries = append(th.entries, te)
		}
		for i, w := range tf.Weak {
			ph, err := textnorm.CompilePhrase(w)
			if err != nil {
				at(fmt.Sprintf("weak[%d]", i), "%v", err)
				continue
			}
			th.weak = append(th.weak, ph)
		}
	}
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	return th, probs
}

// Expand returns the catalogue words for the phrases found in text, each
// once, in the thesaurus's order.
func (th *Thesaurus) Expand(text string) []string {
	if th == nil {
		return nil
	}
	return th.ExpandWords(textnorm.PhraseWords(text))
}

// ExpandWords is Expand for text already split by textnorm.PhraseWords.
func (th *Thesaurus) ExpandWords(words []string) []string {
	return th.ExpandKnown(words, nil)
}

// ExpandKnown is ExpandWords where the lexicon's words are never read as
// typos of the thesaurus's words (nil: every word may be).
func (th *Thesaurus) ExpandKnown(words []string, lex *Lexicon) []string {
	var out []string
	for _, e := range th.ExpandFrom(words, lex) {
		out = append(out, e.Term)
	}
	return out
}

// Expansion is one catalogue term a thesaurus entry made of a message,
// with the message's words it was read from.
type Expansion struct {
	Term string
	// From holds the words (as given to ExpandFrom) of every phrase that
	// gave Term: the meaning stands for these words, not for the message.
	From []string
}

// ExpandFrom is ExpandKnown that also tells which words each term was read
// from, so that a search can ask whether the best service matched what
// the resident's telling words mean, word by word.
func (th *Thesaurus) ExpandFrom(words []string, lex *Lexicon) []Expansion {
	if th == nil {
		return nil
	}
	var known func(string, string) bool
	if lex != nil {
		known = lex.KnownOther
	}
	var out []Expansion
	index := map[string]int{}
	for _, e := range th.entries {
		for _, ph := range e.when {
			at := ph.FindKnown(words, known)
			if at == nil {
				continue
			}
			for _, m := range e.means {
				i, ok := index[m]
				if !ok {
					i = len(out)
					index[m] = i
					out = append(out, Expansion{Term: m})
				}
				for _, k := range at {
					if !slices.Contains(out[i].From, words[k]) {
						out[i].From = append(out[i].From, words[k])
					}
				}
			}
			break
		}
	}
	return out
}

// Weak reports whether word (folded) alone says nothing about which
// service fits.
func (th *Thesaurus) Weak(word string) bool {
	if th == nil {
		return false
	}
	w := []string{word}
	for _, ph := range th.weak {
		if ph.In(w) {
			return true
		}
	}
	return false
}
