// Package crisis recognises messages that mean someone is in danger now
// (suicidal thoughts, violence happening, a child at risk, a person not
// breathing, someone freezing outside), so the engine can answer with the
// right emergency numbers before anything else.
//
// Organizers write rules as short lists of words in the dialog script:
//
//	zabi* się            "zabić się", "się zabiję", "zabije sie" — any order
//	nie chce|chcę żyć    "|" separates spellings of one word
//	samobój*             any word starting with "samoboj"
//	nie oddycha          "nie" binds the next word: it must be negated
//
// A rule matches when all its words occur in one sentence, in any order,
// within Window words. Words are folded (lower case, no diacritics,
// apostrophes dropped) and one typo is forgiven in words of seven letters or
// more. A word of a rule does not match where the resident negated it
// ("nie chcę się zabić", "i'm not suicidal") unless the rule asks for the
// negation itself. Except rules silence their group in the sentence they
// match (idioms: "teściowa mnie zabije, jak zobaczy rachunek").
//
// Each group has crisis rules (interrupt, numbers first) and concern rules
// (not sure: ask directly whether the person is safe).
package crisis

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"okienko/bot/orgtext"
	"okienko/bot/textnorm"
)

const (
	// Window is the widest span, in words, that the words of one rule may
	// cover within a sentence.
	Window = 12
	// negScope is how many words after a negation it reaches.
	negScope = 3
	// minTypoLen is the shortest word (or stem) in which one typo is forgiven.
	minTypoLen = 7
	// minStem is the shortest stem before a '*'.
	minStem = 3
	// maxRuleWords keeps rules readable and matching cheap.
	maxRuleWords = 8
)

// negators are the words that negate the next words of their clause.
var negators = map[string]bool{
	"nie": true, "ani": true, "nigdy": true,
	"not": true, "never": true, "no": true, "dont": true, "doesnt": true, "didnt": true,
	"isnt": true, "arent": true, "wont": true, "cant": true, "cannot": true,
	"не": true, "ні": true, "ни": true, "нi": true,
}

// Level is how sure the detector is that someone is in danger.
type Level int

// The three outcomes of a check.
const (
	None    Level = iota // an ordinary message
	Concern              // maybe: answer, and ask directly whether the person is safe
	Crisis               // interrupt with the numbers and raise an urgent case
)

func (l Level) String() string {
	switch l {
	case Crisis:
		return "crisis"
	case Concern:
		return "concern"
	}
	return "none"
}

// Result is the outcome of checking one message.
type Result struct {
	Level Level
	Group string // the group of the most specific rule matched; "" for None
}

// Group is a named set of rules meaning one kind of danger.
type Group struct {
	Name    string
	Phrases []string // crisis rules
	Concern []string // rules that only raise a concern
	// Except lists rules showing the danger is past or a figure of speech
	// ("rok temu", "teściowa zabije rachunek"); they silence this group (and
	// only this group) in the sentence they match.
	Except []string
	// Past lists except rules saying the danger is over ("rok temu",
	// "years ago"); they do not silence a match that a word saying now
	// ("teraz", "znowu", "now", "зараз") separates from them.
	Past []string
}

// PhraseError locates a rule the detector cannot use.
type PhraseError struct {
	Group, Index int    // positions in the groups and in the group's list
	List         string // "phrases", "concern", "except" or "past"
	Err          error
}

func (e *PhraseError) Error() string {
	return fmt.Sprintf("crisis group %d %s %d: %v", e.Group, e.List, e.Index, e.Err)
}
func (e *PhraseError) Unwrap() error { return e.Err }

// alt is one accepted spelling of a rule word.
type alt struct {
	text   string
	prefix bool
	n      int     // runes
	spec   int     // the word spec it belongs to
	head   [3]rune // the first runes, to skip hopeless typo comparisons
}

// spec is one word of a rule: its spellings, and whether the text must
// negate it.
type spec struct {
	negated bool
}

type rule struct {
	specs  []int // word specs, in the rule's order (negators dropped)
	level  Level
	group  int
	weight int  // words in the rule, negations included: more is more specific
	neg    bool // the rule asks for a negation: its other words may stand in one's scope
	past   bool // an except rule about the past, lifted by a word saying now
}

// Detector matches messages against the compiled rules. It is safe for
// concurrent use.
type Detector struct {
	names  []string
	specs  []spec
	rules  []rule // crisis and concern rules
	except []rule
	exact  map[string][]int // folded word → specs
	prefix map[string][]int // stem → specs
	fuzzy  map[rune][]alt   // long alternatives by first letter, for typos
	maxPre int              // longest stem, in bytes
}

// New compiles the groups. Errors are *PhraseError.
func New(groups []Group) (*Detector, error) {
	d := &Detector{exact: map[string][]int{}, prefix: map[string][]int{}, fuzzy: map[rune][]alt{}}
	specIDs := map[string]int{}
	for gi, g := range groups {
		d.names = append(d.names, g.Name)
		for _, list := range []struct {
			name  string
			rules []string
			level Level
		}{{"phrases", g.Phrases, Crisis}, {"concern", g.Concern, Concern}, {"except", g.Except, None}, {"past", g.Past, None}} {
			for ri, text := range list.rules {
				r, err := d.compile(text, specIDs)
				if err != nil {
					return nil, &PhraseError{Group: gi, Index: ri, List: list.name, Err: err}
				}
				r.group, r.level = gi, list.level
				if list.level == None {
					r.past = list.name == "past"
					d.except = append(d.except, r)
				} else {
					d.rules = append(d.rules, r)
				}
			}
		}
	}
	return d, nil
}

func (d *Detector) compile(text string, specIDs map[string]int) (rule, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return rule{}, orgtext.Errorf("the rule is empty")
	}
	if len(fields) > maxRuleWords {
		return rule{}, orgtext.Errorf("%q has more than %d words; split it into shorter rules", text, maxRuleWords)
	}
	var r rule
	negate := false
	for i, f := range fields {
		var alts []alt
		isNeg := false
		for _, a := range strings.Split(f, "|") {
			prefix := strings.HasSuffix(a, "*")
			stem := strings.TrimSuffix(a, "*")
			if strings.Contains(stem, "*") {
				return rule{}, orgtext.Errorf("%q: '*' may only end a word", f)
			}
			folded := textnorm.Fold(apostrophes.Replace(stem))
			for _, c := range folded {
				if !unicode.IsLetter(c) && !unicode.IsNumber(c) {
					return rule{}, orgtext.Errorf("%q: use only letters, digits, '*' and '|'", f)
				}
			}
			n := utf8.RuneCountInString(folded)
			if n == 0 {
				return rule{}, orgtext.Errorf("%q has an empty alternative", f)
			}
			if prefix && n < minStem {
				return rule{}, orgtext.Errorf("%q: a stem before '*' needs at least %d letters", f, minStem)
			}
			if !prefix && negators[folded] {
				isNeg = true
			}
			alts = append(alts, alt{text: folded, prefix: prefix, n: n})
		}
		r.weight++
		if isNeg && i < len(fields)-1 {
			if len(alts) > 1 {
				// "nie|not": a negation of the next word in any language.
				for _, a := range alts {
					if a.prefix || !negators[a.text] {
						return rule{}, orgtext.Errorf("%q: do not mix a negation with other words", f)
					}
				}
			}
			negate, r.neg = true, true
			continue
		}
		// A negation ending a rule binds nothing: it is a word to find
		// ("nie" as an answer).
		key := fmt.Sprintf("%t %s", negate, f)
		id, ok := specIDs[key]
		if !ok {
			id = len(d.specs)
			specIDs[key] = id
			d.specs = append(d.specs, spec{negated: negate})
			for _, a := range alts {
				a.spec = id
				switch {
				case a.prefix:
					d.prefix[a.text] = appendOnce(d.prefix[a.text], id)
					d.maxPre = max(d.maxPre, len(a.text))
				default:
					d.exact[a.text] = appendOnce(d.exact[a.text], id)
				}
				if a.n >= minTypoLen {
					a.head = head(a.text)
					d.fuzzy[a.head[0]] = append(d.fuzzy[a.head[0]], a)
				}
			}
		}
		r.specs = append(r.specs, id)
		negate = false
	}
	return r, nil
}

func appendOnce(ids []int, id int) []int {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// apostrophes are dropped rather than splitting words: Ukrainian "б'є"
// and English "don't" stay one word.
var apostrophes = strings.NewReplacer("'", "", "’", "", "ʼ", "", "`", "")

// token is a word of the message with where it stands.
type token struct {
	text     string
	sentence int
	negated  bool // a negation stands up to negScope words before it, in its clause
}

// endsSentence tells the marks that end a sentence: a rule's words must
// stand in one sentence, and Rest keeps whole sentences.
func endsSentence(r rune) bool { return strings.ContainsRune(".!?;\n…", r) }

// tokenize folds text and splits it into words, sentences (. ! ? ; and
// line breaks) and clauses (commas and dashes, which bound a negation).
func tokenize(text string) []token {
	text = textnorm.Fold(apostrophes.Replace(text))
	var toks []token
	sentence, lastNeg := 0, -100
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		t := token{text: w, sentence: sentence, negated: len(toks)-lastNeg <= negScope}
		if negators[w] {
			lastNeg = len(toks)
		}
		toks = append(toks, t)
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		switch {
		case endsSentence(r):
			sentence++
			lastNeg = -100
		case strings.ContainsRune(",-–—:()", r):
			lastNeg = -100
		}
	}
	flush(len(text))
	return toks
}

// Check classifies one message.
func (d *Detector) Check(text string) Result {
	if d == nil || text == "" {
		return Result{}
	}
	toks := tokenize(text)
	if len(toks) == 0 {
		return Result{}
	}
	// Which specs each word matches: the lookups run once per word, the
	// rules then only compare positions.
	var buf [64][]int
	hits := buf[:0]
	if len(toks) > len(buf) {
		hits = make([][]int, 0, len(toks))
	}
	// present marks the specs some word matches: a rule with a word absent
	// from the message is skipped without looking at positions.
	var pbuf [32]uint64
	present := pbuf[:0]
	if n := (len(d.specs) + 63) / 64; n > len(pbuf) {
		present = make([]uint64, n)
	} else {
		present = pbuf[:n]
	}
	for _, t := range toks {
		ids := d.wordSpecs(t.text)
		for _, id := range ids {
			present[id/64] |= 1 << (id % 64)
		}
		hits = append(hits, ids)
	}
	best, bestRule := Result{}, -1
rules:
	for ri := range d.rules {
		r := &d.rules[ri]
		if r.level < best.Level || (r.level == best.Level && bestRule >= 0 && r.weight <= d.rules[bestRule].weight) {
			continue
		}
		for _, id := range r.specs {
			if present[id/64]&(1<<(id%64)) == 0 {
				continue rules
			}
		}
		if !d.matchNotExcepted(r, toks, hits) {
			continue
		}
		best, bestRule = Result{Level: r.level, Group: d.names[r.group]}, ri
	}
	return best
}

// Rest returns the sentences of text in which no crisis or concern rule
// matches, as written: the question a resident asked around the danger.
func (d *Detector) Rest(text string) string {
	var out []string
	for _, s := range sentences(text) {
		if d.Check(s).Level == None && len(textnorm.Words(s)) > 0 {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return strings.Join(out, " ")
}

// sentences splits text where the detector ends a sentence (as tokenize
// does), keeping the punctuation with its sentence.
func sentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if endsSentence(r) {
			out = append(out, text[start:i+utf8.RuneLen(r)])
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// Detect reports the group of a crisis (not a concern) in text.
func (d *Detector) Detect(text string) (group string, ok bool) {
	r := d.Check(text)
	return r.Group, r.Level == Crisis
}

// wordSpecs lists the specs a word matches: exactly, by stem, or with one typo.
func (d *Detector) wordSpecs(w string) []int {
	var out []int
	add := func(ids []int) {
		for _, id := range ids {
			out = appendOnce(out, id)
		}
	}
	add(d.exact[w])
	for l := minStem; l <= len(w) && l <= d.maxPre; l++ {
		if l < len(w) && !utf8.RuneStart(w[l]) {
			continue
		}
		add(d.prefix[w[:l]])
	}
	n := utf8.RuneCountInString(w)
	if n < minTypoLen-1 {
		return out
	}
	h := head(w)
	for _, a := range d.fuzzy[h[0]] {
		// One edit after the first letter leaves the second or the third
		// letter in place, or moves one onto the other.
		if h[1] != a.head[1] && h[2] != a.head[2] && h[1] != a.head[2] && h[2] != a.head[1] {
			continue
		}
		if typoMatch(a, w, n) {
			out = appendOnce(out, a.spec)
		}
	}
	return out
}

// head returns the first three runes of s (zero where s is shorter).
func head(s string) [3]rune {
	var h [3]rune
	i := 0
	for _, r := range s {
		if i == len(h) {
			break
		}
		h[i] = r
		i++
	}
	return h
}

func typoMatch(a alt, w string, n int) bool {
	if !a.prefix {
		return n-a.n <= 1 && a.n-n <= 1 && textnorm.OneEditApart(w, a.text)
	}
	if n < a.n-1 {
		return false
	}
	// One typo inside the stem: the word's beginnings one letter shorter,
	// equal and longer than the stem.
	for _, l := range [3]int{a.n - 1, a.n, a.n + 1} {
		if l <= n && l > 0 && textnorm.OneEditApart(runePrefix(w, l), a.text) {
			return true
		}
	}
	return false
}

func runePrefix(s string, n int) string {
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// matchNotExcepted finds the rule at a place no except rule of its group
// covers.
func (d *Detector) matchNotExcepted(r *rule, toks []token, hits [][]int) bool {
	for i := range toks {
		if !d.hit(r, r.specs[0], i, toks, hits) {
			continue
		}
		if _, hi, ok := d.matchAt(r, i, toks, hits); ok && !d.excepted(r.group, toks[i].sentence, hi, toks, hits) {
			return true
		}
	}
	return false
}

// matchIn finds the rule's words in one sentence within Window words and
// returns where the first match ends.
func (d *Detector) matchIn(r *rule, sentence int, toks []token, hits [][]int) (hi int, ok bool) {
	for i := range toks {
		if toks[i].sentence != sentence || !d.hit(r, r.specs[0], i, toks, hits) {
			continue
		}
		if _, hi, ok := d.matchAt(r, i, toks, hits); ok {
			return hi, true
		}
	}
	return 0, false
}

// matchAt anchors the rule's first word at word i and looks for the others
// around it, in its sentence, within the window; it returns the span.
func (d *Detector) matchAt(r *rule, i int, toks []token, hits [][]int) (lo, hi int, ok bool) {
	sentence := toks[i].sentence
	lo, hi = i, i
	for _, s := range r.specs[1:] {
		found := false
		for j := max(0, hi-Window); j < len(toks) && j <= lo+Window; j++ {
			if toks[j].sentence != sentence || max(hi, j)-min(lo, j) > Window || !d.hit(r, s, j, toks, hits) {
				continue
			}
			lo, hi, found = min(lo, j), max(hi, j), true
			break
		}
		if !found {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

// hit reports whether word i matches spec s of rule r, negation included.
func (d *Detector) hit(r *rule, s, i int, toks []token, hits [][]int) bool {
	want := d.specs[s].negated
	if toks[i].negated != want && (want || !r.neg) {
		return false
	}
	for _, x := range hits[i] {
		if x == s {
			return true
		}
	}
	return false
}

// excepted reports whether an except or past rule of the group covers a
// match in sentence ending at word end. A past rule ("rok temu") does not
// cover a match when a word saying now stands between the two ("rok temu
// mnie pobił, a teraz znowu mnie bije").
func (d *Detector) excepted(group, sentence, end int, toks []token, hits [][]int) bool {
	for ei := range d.except {
		e := &d.except[ei]
		if e.group != group {
			continue
		}
		ehi, ok := d.matchIn(e, sentence, toks, hits)
		if !ok {
			continue
		}
		if !e.past || !nowBetween(toks, min(ehi, end), max(ehi, end)) {
			return true
		}
	}
	return false
}

// nowWords say that something is happening now or again.
var nowWords = map[string]bool{
	"teraz": true, "znowu": true, "znow": true, "dzis": true, "dzisiaj": true, "wlasnie": true, "obecnie": true,
	"now": true, "again": true, "today": true, "tonight": true,
	"зараз": true, "знову": true, "сьогодні": true, "сейчас": true, "опять": true, "снова": true, "сегодня": true,
}

// nowBetween reports a word saying now after word from, up to word to.
func nowBetween(toks []token, from, to int) bool {
	for k := from + 1; k <= to && k < len(toks); k++ {
		if nowWords[toks[k].text] {
			return true
		}
	}
	return false
}
