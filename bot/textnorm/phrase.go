package textnorm

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"okienko/bot/orgtext"
)

// Phrase syntax, shared by triggers and the catalogue thesaurus (crisis
// rules spell words the same way but match them in any order, see
// bot/crisis) so organizers learn it once:
//
//	zabi* sie          "*" ends a stem: any word starting with "zabi"
//	nie chce|chcę zyc  "|" separates spellings of one word
//
// Words match in order on folded text (lower case, no diacritics,
// apostrophes dropped); up to MaxGap other words may stand between two
// words of a phrase, and one typo is forgiven in words (and stems) of seven
// letters or more.
const (
	// MaxGap is how many other words may stand between two words of a phrase.
	MaxGap = 2
	// minTypoLen is the shortest word in which one typo is forgiven.
	minTypoLen = 7
	// minStem is the shortest stem before a '*'.
	minStem = 3
	// maxPhraseWords bounds a phrase, keeping matching cheap and patterns readable.
	maxPhraseWords = 8
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

// Phrase is a compiled phrase; the zero Phrase matches nothing.
type Phrase struct {
	words []word
}

// PhraseWords splits text into folded words the way phrases see them.
func PhraseWords(text string) []string {
	if strings.ContainsAny(text, "'’ʼ`") { // the Replacer allocates even for none
		text = apostrophes.Replace(text)
	}
	return Words(text)
}

// CompilePhrase checks and compiles one phrase.
func CompilePhrase(p string) (Phrase, error) {
	fields := strings.Fields(p)
	if len(fields) == 0 {
		return Phrase{}, orgtext.Errorf("the phrase is empty")
	}
	if len(fields) > maxPhraseWords {
		return Phrase{}, orgtext.Errorf("%q has more than %d words; split it into shorter phrases", p, maxPhraseWords)
	}
	var ph Phrase
	for _, f := range fields {
		var w word
		for _, a := range strings.Split(f, "|") {
			prefix := strings.HasSuffix(a, "*")
			stem := strings.TrimSuffix(a, "*")
			if strings.Contains(stem, "*") {
				return Phrase{}, orgtext.Errorf("%q: '*' may only end a word", f)
			}
			folded := Fold(apostrophes.Replace(stem))
			for _, r := range folded {
				if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
					return Phrase{}, orgtext.Errorf("%q: use only letters, digits, '*' and '|'", f)
				}
			}
			n := utf8.RuneCountInString(folded)
			if n == 0 {
				return Phrase{}, orgtext.Errorf("%q has an empty alternative", f)
			}
			if prefix && n < minStem {
				return Phrase{}, orgtext.Errorf("%q: a stem before '*' needs at least %d letters", f, minStem)
			}
			w = append(w, alt{text: folded, prefix: prefix, n: n})
		}
		ph.words = append(ph.words, w)
	}
	return ph, nil
}

// In reports whether the phrase's words occur in words (from PhraseWords)
// in order, each within MaxGap words of the previous one.
func (ph Phrase) In(words []string) bool {
	return ph.InKnown(words, nil)
}

// InKnown is In where a word that known reports as a correctly spelled
// word of another family than the phrase's word (target) is never read as
// its typo: "potrzebuję" is not "pogrzeb*", "śmieci" is not "śmierci".
// known may be nil.
func (ph Phrase) InKnown(words []string, known func(word, target string) bool) bool {
	var buf [8]int // most phrases are short: no allocation on this hot path
	at := buf[:0]
	if len(ph.words) > len(buf) {
		at = make([]int, 0, len(ph.words))
	}
	return ph.find(words, known, at[:len(ph.words)])
}

// FindKnown is InKnown that tells which of words (their indexes, in order)
// the phrase was read from, or nil when it does not occur: a meaning read
// from a phrase stands for those words only.
func (ph Phrase) FindKnown(words []string, known func(word, target string) bool) []int {
	var buf [8]int
	at := buf[:0]
	if len(ph.words) > len(buf) {
		at = make([]int, 0, len(ph.words))
	}
	at = at[:len(ph.words)]
	if !ph.find(words, known, at) {
		return nil
	}
	return slices.Clone(at) // allocated only for a phrase that occurs
}

// find fills at (one index per word of the phrase) with where the phrase
// occurs in words, and reports whether it does.
func (ph Phrase) find(words []string, known func(word, target string) bool, at []int) bool {
	if len(ph.words) == 0 {
		return false
	}
	for start, w := range words {
		if ph.words[0].matches(w, known) {
			at[0] = start
			if ph.rest(words, start+1, 1, known, at) {
				return true
			}
		}
	}
	return false
}

func (ph Phrase) rest(words []string, from, k int, known func(word, target string) bool, at []int) bool {
	if k == len(ph.words) {
		return true
	}
	for i := from; i < len(words) && i <= from+MaxGap; i++ {
		if ph.words[k].matches(words[i], known) {
			at[k] = i
			if ph.rest(words, i+1, k+1, known, at) {
				return true
			}
		}
	}
	return false
}

func (w word) matches(s string, known func(word, target string) bool) bool {
	for _, a := range w {
		if a.matches(s, known) {
			return true
		}
	}
	return false
}

func (a alt) matches(s string, known func(word, target string) bool) bool {
	if a.n < minTypoLen && (s == "" || s[0] != a.text[0]) {
		return false // no typo forgiven: the first byte must agree (most words fail here)
	}
	if a.prefix {
		if strings.HasPrefix(s, a.text) {
			return true
		}
		if a.n < minTypoLen || !mayBeOneEditPrefix(s, a.text) {
			return false
		}
		// One typo inside the stem: compare with the word's beginnings one
		// letter shorter, equal and longer than the stem. A known word of
		// another family is no typo (asked last: it is the costly part).
		typo := false
		if isASCII(s) {
			for _, l := range [3]int{a.n - 1, a.n, a.n + 1} {
				if l <= len(s) && l > 0 && OneEditApart(s[:l], a.text) {
					typo = true
					break
				}
			}
		} else {
			r := []rune(s)
			for _, l := range [3]int{a.n - 1, a.n, a.n + 1} {
				if l <= len(r) && l > 0 && OneEditApart(string(r[:l]), a.text) {
					typo = true
					break
				}
			}
		}
		return typo && (known == nil || !known(s, a.text))
	}
	if s == a.text {
		return true
	}
	return a.n >= minTypoLen && mayBeOneEdit(s, a.text) && OneEditApart(s, a.text) && (known == nil || !known(s, a.text))
}

// mayBeOneEdit is a cheap necessary condition for OneEditApart(s, p) when
// p has at least minTypoLen letters: one edit leaves either the first
// three letters or the last three (at least three bytes) as they were.
// Crisis detection runs every word of every message against every
// pattern, and most pairs fail here.
func mayBeOneEdit(s, p string) bool {
	if len(s) < 3 || len(p) < 3 {
		return true
	}
	return s[:3] == p[:3] || s[len(s)-3:] == p[len(p)-3:]
}

// mayBeOneEditPrefix is the same for a stem p (minTypoLen letters or more)
// that s starts with but for one edit: either the first three bytes agree,
// or the edit is among the first three letters and the stem's last three
// bytes occur in s untouched.
func mayBeOneEditPrefix(s, p string) bool {
	if len(s) < 3 || len(p) < 3 {
		return true
	}
	return s[:3] == p[:3] || strings.Contains(s, p[len(p)-3:])
}

// OneEditApart reports whether a and b differ by at most one edit (insertion,
// deletion, substitution or a swap of neighbours). It runs on every word of
// every message against every pattern, so ASCII text takes a path that
// allocates nothing.
func OneEditApart(a, b string) bool {
	if d := len(a) - len(b); d > 4 || d < -4 {
		return false // more than one rune apart even in 4-byte runes
	}
	if isASCII(a) && isASCII(b) {
		return oneEdit([]byte(a), []byte(b))
	}
	return oneEdit([]rune(a), []rune(b))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func oneEdit[T byte | rune](a, b []T) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		if slices.Equal(a[i+1:], b[i+1:]) {
			return true
		}
		// transposition
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:])
	}
	return slices.Equal(a[i:], b[i+1:])
}

// PhraseSet finds which of many phrases occur in a text without trying
// each one: a phrase occurs only where its first word does, so the text's
// words look up the phrases whose first word they may be, and only those
// are tried. A first word may be a word spelled out, a short stem (by its
// first three bytes) or, where a typo is forgiven, a word that shares
// with it what alt.matches requires before it compares (the first or
// last three bytes; for a stem, the first three or its last three
// anywhere). The bot checks messages against a hundred or more phrases
// (follow-up questions, acknowledgements); most share no first word with
// them.
type PhraseSet struct {
	phrases []Phrase
	exact   map[string][]int // by a first word's spelling
	heads   map[string][]int // by the first three bytes: stems, and words that forgive a typo
	tails   map[string][]int // by the last three bytes of a word that forgives a typo
	inner   map[string][]int // by the last three bytes of a stem that forgives a typo, anywhere in a word
}

// NewPhraseSet indexes phrases; Occurring reports them by their index here.
func NewPhraseSet(phrases []Phrase) *PhraseSet {
	s := &PhraseSet{phrases: phrases, exact: map[string][]int{}, heads: map[string][]int{},
		tails: map[string][]int{}, inner: map[string][]int{}}
	add := func(m map[string][]int, key string, i int) {
		if list := m[key]; len(list) == 0 || list[len(list)-1] != i {
			m[key] = append(list, i)
		}
	}
	for i, ph := range phrases {
		if len(ph.words) == 0 {
			continue // matches nothing
		}
		for _, a := range ph.words[0] {
			// A stem has at least minStem letters, a word that forgives
			// a typo minTypoLen: at least three bytes either way.
			typo := a.n >= minTypoLen
			switch {
			case a.prefix:
				add(s.heads, a.text[:3], i)
				if typo {
					add(s.inner, a.text[len(a.text)-3:], i)
				}
			default:
				add(s.exact, a.text, i)
				if typo {
					add(s.heads, a.text[:3], i)
					add(s.tails, a.text[len(a.text)-3:], i)
				}
			}
		}
	}
	return s
}

// Occurring returns the indexes, in increasing order, of the set's phrases
// that occur in words (from PhraseWords), as Phrase.InKnown tells; nil for
// none.
func (s *PhraseSet) Occurring(words []string, known func(word, target string) bool) []int {
	var buf [64]int
	candidates := buf[:0]
	for _, w := range words {
		candidates = append(candidates, s.exact[w]...)
		if len(w) < 3 {
			continue
		}
		candidates = append(candidates, s.heads[w[:3]]...)
		candidates = append(candidates, s.tails[w[len(w)-3:]]...)
		if len(s.inner) > 0 {
			for j := 0; j+3 <= len(w); j++ {
				candidates = append(candidates, s.inner[w[j:j+3]]...)
			}
		}
	}
	return s.try(candidates, words, known)
}

// Spelled is Occurring with no typo forgiven: every word of a phrase
// spelled out (or a stem's beginning).
func (s *PhraseSet) Spelled(words []string) []int {
	var buf [64]int
	candidates := buf[:0]
	for _, w := range words {
		candidates = append(candidates, s.exact[w]...)
		if len(w) >= 3 {
			candidates = append(candidates, s.heads[w[:3]]...)
		}
	}
	return s.try(candidates, words, noTypo)
}

// noTypo takes every word for a correctly spelled one: no typo forgiven.
func noTypo(string, string) bool { return true }

// try returns the candidates (indexes, with repeats) whose phrases occur
// in words, in increasing order.
func (s *PhraseSet) try(candidates []int, words []string, known func(word, target string) bool) []int {
	if len(candidates) == 0 {
		return nil
	}
	slices.Sort(candidates)
	var out []int
	for k, i := range candidates {
		if k > 0 && candidates[k-1] == i {
			continue
		}
		if s.phrases[i].InKnown(words, known) {
			out = append(out, i)
		}
	}
	return out
}
