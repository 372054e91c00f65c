// Package crisis recognises messages that mean someone is in danger now
// (suicidal thoughts, violence happening, a child at risk, a person not
// breathing), so the engine can answer with emergency numbers before
// anything else.
//
// Organizers write the patterns as short phrases in the dialog script.
// A phrase is a sequence of words matched in order on folded text (lower
// case, no diacritics):
//
//	zabi* sie          "zabić się", "zabije sie", "zabiję się"
//	nie chce|chcę zyc  alternatives separated by |
//	samob*             any word starting with "samob"
//
// Up to two other words may stand between the words of a phrase ("nie
// chcę już dłużej żyć"), and one typo is forgiven in words of six letters
// or more ("samobujstwo", "nieprzytomy").
package crisis

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"okienko/bot/textnorm"
)

// Group is a named set of phrases meaning one kind of danger.
type Group struct {
	Name    string
	Phrases []string
	// Except lists phrases that show the danger is over or is a figure of
	// speech ("rok temu", "już jest dobrze"); one of them anywhere in the
	// message silences this group (and only this group).
	Except []string
}

// PhraseError locates a phrase the detector cannot use.
type PhraseError struct {
	Group, Index int  // positions in the groups and in the group's phrases
	Except       bool // the phrase is in the group's Except list
	Err          error
}

func (e *PhraseError) Error() string {
	kind := "phrase"
	if e.Except {
		kind = "except phrase"
	}
	return fmt.Sprintf("crisis group %d %s %d: %v", e.Group, kind, e.Index, e.Err)
}
func (e *PhraseError) Unwrap() error { return e.Err }

const (
	// MaxGap is how many other words may stand between two words of a phrase.
	MaxGap = 2
	// minTypoLen is the shortest word in which one typo is forgiven.
	minTypoLen = 6
	// minStem is the shortest stem before a '*'.
	minStem = 3
	// maxWords bounds a phrase, keeping matching cheap and patterns readable.
	maxWords = 8
)

// apostrophes are dropped rather than splitting words: Ukrainian "б'є"
// and English "don't" stay one word.
var apostrophes = strings.NewReplacer("'", "", "’", "", "ʼ", "", "`", "")

// alt is one accepted spelling of a phrase word.
type alt struct {
	text   string
	prefix bool
	n      int // length in runes
}

type word []alt

type phrase struct {
	words []word
}

type group struct {
	name    string
	phrases []phrase
	except  []phrase
}

// Detector matches messages against the compiled phrases. It is safe for
// concurrent use.
type Detector struct {
	groups []group
}

// New compiles the groups. Errors are *PhraseError.
func New(groups []Group) (*Detector, error) {
	d := &Detector{}
	for gi, g := range groups {
		cg := group{name: g.Name}
		for pi, p := range g.Phrases {
			ph, err := compile(p)
			if err != nil {
				return nil, &PhraseError{Group: gi, Index: pi, Err: err}
			}
			cg.phrases = append(cg.phrases, ph)
		}
		for pi, p := range g.Except {
			ph, err := compile(p)
			if err != nil {
				return nil, &PhraseError{Group: gi, Index: pi, Except: true, Err: err}
			}
			cg.except = append(cg.except, ph)
		}
		d.groups = append(d.groups, cg)
	}
	return d, nil
}

func compile(p string) (phrase, error) {
	fields := strings.Fields(p)
	if len(fields) == 0 {
		return phrase{}, errors.New("the phrase is empty")
	}
	if len(fields) > maxWords {
		return phrase{}, fmt.Errorf("%q has more than %d words; split it into shorter phrases", p, maxWords)
	}
	var ph phrase
	for _, f := range fields {
		var w word
		for _, a := range strings.Split(f, "|") {
			prefix := strings.HasSuffix(a, "*")
			stem := strings.TrimSuffix(a, "*")
			if strings.Contains(stem, "*") {
				return phrase{}, fmt.Errorf("%q: '*' may only end a word", f)
			}
			folded := textnorm.Fold(apostrophes.Replace(stem))
			for _, r := range folded {
				if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
					return phrase{}, fmt.Errorf("%q: use only letters, digits, '*' and '|'", f)
				}
			}
			n := utf8.RuneCountInString(folded)
			if n == 0 {
				return phrase{}, fmt.Errorf("%q has an empty alternative", f)
			}
			if prefix && n < minStem {
				return phrase{}, fmt.Errorf("%q: a stem before '*' needs at least %d letters", f, minStem)
			}
			w = append(w, alt{text: folded, prefix: prefix, n: n})
		}
		ph.words = append(ph.words, w)
	}
	return ph, nil
}

// Detect reports the name of the first group whose phrase occurs in text.
func (d *Detector) Detect(text string) (group string, ok bool) {
	if d == nil {
		return "", false
	}
	words := textnorm.Words(apostrophes.Replace(text))
	if len(words) == 0 {
		return "", false
	}
	for _, g := range d.groups {
		if anyIn(g.phrases, words) && !anyIn(g.except, words) {
			return g.name, true
		}
	}
	return "", false
}

func anyIn(phrases []phrase, words []string) bool {
	for _, ph := range phrases {
		if ph.matchIn(words) {
			return true
		}
	}
	return false
}

// matchIn looks for the phrase's words in order, each within MaxGap words of
// the previous one.
func (ph phrase) matchIn(words []string) bool {
	for start, w := range words {
		if ph.words[0].matches(w) && ph.rest(words, start+1, 1) {
			return true
		}
	}
	return false
}

func (ph phrase) rest(words []string, from, k int) bool {
	if k == len(ph.words) {
		return true
	}
	for i := from; i < len(words) && i <= from+MaxGap; i++ {
		if ph.words[k].matches(words[i]) && ph.rest(words, i+1, k+1) {
			return true
		}
	}
	return false
}

func (w word) matches(s string) bool {
	for _, a := range w {
		if a.matches(s) {
			return true
		}
	}
	return false
}

func (a alt) matches(s string) bool {
	if a.prefix {
		if strings.HasPrefix(s, a.text) {
			return true
		}
		if a.n < minTypoLen {
			return false
		}
		// One typo inside the stem: compare with the word's beginnings one
		// letter shorter, equal and longer than the stem.
		r := []rune(s)
		for _, l := range []int{a.n - 1, a.n, a.n + 1} {
			if l <= len(r) && l > 0 && within1(string(r[:l]), a.text) {
				return true
			}
		}
		return false
	}
	if s == a.text {
		return true
	}
	return a.n >= minTypoLen && within1(s, a.text)
}

// within1 reports whether a and b differ by at most one edit (insertion,
// deletion, substitution or a swap of neighbours).
func within1(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if len(rb)-len(ra) > 1 {
		return false
	}
	i := 0
	for i < len(ra) && ra[i] == rb[i] {
		i++
	}
	if i == len(ra) {
		return true
	}
	if len(ra) == len(rb) {
		if string(ra[i+1:]) == string(rb[i+1:]) {
			return true
		}
		// transposition
		return i+1 < len(ra) && ra[i] == rb[i+1] && ra[i+1] == rb[i] && string(ra[i+2:]) == string(rb[i+2:])
	}
	return string(ra[i:]) == string(rb[i+1:])
}
