package bleve

import (
	"strings"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"okienko/bot/textnorm"
)

// plan is a query compiled from a resident's text, with what is needed to
// tell afterwards whether the best hit matched something that matters.
type plan struct {
	query    query.Query
	clauses  int
	matchers []matcher
}

func (p *plan) empty() bool { return p.clauses == 0 }

// matcher recognises, in a hit's term locations, that one strong word of
// the query (or one thesaurus expansion) matched.
type matcher struct {
	exact  map[string]bool
	prefix string
	fuzzy  string
	all    [][]string // expansion: every token of one analysis must occur
}

func (m matcher) matches(terms map[string]bool) bool {
	for t := range terms {
		if m.exact[t] || (m.prefix != "" && strings.HasPrefix(t, m.prefix)) || (m.fuzzy != "" && textnorm.OneEditApart(t, m.fuzzy)) {
			return true
		}
	}
	for _, tokens := range m.all {
		ok := len(tokens) > 0
		for _, tok := range tokens {
			if !terms[tok] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// confident reports whether the hit's matched terms include a strong word
// of the query or a thesaurus expansion.
func (p *plan) confident(locs search.FieldTermLocationMap) bool {
	terms := map[string]bool{}
	for _, tl := range locs {
		for t := range tl {
			terms[t] = true
		}
	}
	for _, m := range p.matchers {
		if m.matches(terms) {
			return true
		}
	}
	return false
}

// Boosts: name and keywords above summary above description.
var (
	plFields = []struct {
		name  string
		boost float64
	}{{fName, 3}, {fKeywords, 3}, {fSummary, 1.5}, {fDescription, 0.7}, {fAudienceText, 1}}
	foldFields = []struct {
		name  string
		boost float64
	}{{fName, 3}, {fKeywords, 3}, {fSummary, 1.5}}
	translatedFields = []struct {
		name  string
		boost float64
	}{{fName, 3}, {fKeywords, 3}, {fSummary, 1.5}, {fDescription, 0.7}}
)

const (
	weakFactor      = 0.25 // words like "pomoc", "mama" count little
	expansionFactor = 0.8  // thesaurus words count a little less than the resident's own
	prefixFactor    = 0.4
	fuzzyFactor     = 0.35
	minPrefixWord   = 6
	minFuzzyWord    = 5
)

func (ix *Index) analyze(analyzer, text string) []string {
	a := ix.idx.Mapping().AnalyzerNamed(analyzer)
	if a == nil {
		return nil
	}
	var out []string
	for _, tok := range a.Analyze([]byte(text)) {
		out = append(out, string(tok.Term))
	}
	return out
}

// isStopWord reports a Polish function word ("nie", "w", "się"): the
// stemming analyzer drops it, and so must the folded clauses.
func (ix *Index) isStopWord(w word) bool {
	if w.cyrillic || len([]rune(w.folded)) < 2 {
		return true
	}
	return polishStop[w.folded]
}

// plan compiles text into one disjunction of field clauses.
func (ix *Index) plan(text string) *plan {
	p := &plan{}
	var clauses []query.Query
	add := func(q query.Query) {
		clauses = append(clauses, q)
	}
	match := func(text, field string, boost float64, and bool) {
		q := blevesearch.NewMatchQuery(text)
		q.SetField(field)
		q.SetBoost(boost)
		if and {
			q.SetOperator(query.MatchQueryOperatorAnd)
		}
		add(q)
	}
	ws := words(text)
	if len(ws) > ix.cfg.MaxWords {
		ws = ws[:ix.cfg.MaxWords]
	}
	seen := map[string]bool{}
	for _, w := range ws {
		if seen[w.folded] {
			continue
		}
		seen[w.folded] = true
		weak := ix.cfg.Thesaurus.Weak(w.folded)
		factor := 1.0
		if weak {
			factor = weakFactor
		}
		m := matcher{exact: map[string]bool{}}
		if w.cyrillic {
			for _, f := range translatedFields {
				match(w.orig, "uk_"+f.name, f.boost*factor, false)
			}
			stem := stemUkrainian(w.folded)
			for _, t := range ix.analyze(analyzerUK, w.orig) {
				m.exact[t] = true
			}
			if n := len([]rune(stem)); n >= minFuzzyWord {
				for _, f := range foldFields[:2] {
					fq := blevesearch.NewFuzzyQuery(stem)
					fq.SetField("uk_" + f.name)
					fq.SetFuzziness(1)
					fq.SetBoost(f.boost * fuzzyFactor * factor)
					add(fq)
				}
				m.fuzzy = stem
			}
		} else {
			if ix.isStopWord(w) {
				continue
			}
			for _, f := range plFields {
				match(w.orig, f.name+stemSuffix, f.boost*factor, false)
			}
			for _, f := range foldFields {
				tq := blevesearch.NewTermQuery(w.folded)
				tq.SetField(f.name + foldSuffix)
				tq.SetBoost(f.boost * factor)
				add(tq)
			}
			for _, f := range translatedFields {
				match(w.orig, "en_"+f.name, f.boost*factor, false)
			}
			for _, t := range ix.analyze(analyzerStem, w.orig) {
				m.exact[t] = true
			}
			for _, t := range ix.analyze(analyzerEN, w.orig) {
				m.exact[t] = true
			}
			m.exact[w.folded] = true
			n := len([]rune(w.folded))
			if n >= minPrefixWord {
				m.prefix = string([]rune(w.folded)[:max(5, n-3)])
				for _, f := range foldFields {
					pq := blevesearch.NewPrefixQuery(m.prefix)
					pq.SetField(f.name + foldSuffix)
					pq.SetBoost(f.boost * prefixFactor * factor)
					add(pq)
				}
			}
			if n >= minFuzzyWord {
				m.fuzzy = w.folded
				for _, f := range foldFields[:2] {
					fq := blevesearch.NewFuzzyQuery(w.folded)
					fq.SetField(f.name + foldSuffix)
					fq.SetFuzziness(1)
					fq.SetBoost(f.boost * fuzzyFactor * factor)
					add(fq)
				}
			}
		}
		if !weak {
			p.matchers = append(p.matchers, m)
		}
	}
	for _, term := range ix.cfg.Thesaurus.Expand(text) {
		m := matcher{}
		if isCyrillic(term) {
			for _, f := range translatedFields[:3] {
				match(term, "uk_"+f.name, f.boost*expansionFactor, true)
			}
			m.all = append(m.all, ix.analyze(analyzerUK, term))
		} else {
			for _, f := range plFields[:3] {
				match(term, f.name+stemSuffix, f.boost*expansionFactor, true)
			}
			for _, f := range translatedFields[:3] {
				match(term, "en_"+f.name, f.boost*expansionFactor, true)
			}
			m.all = append(m.all, ix.analyze(analyzerStem, term), ix.analyze(analyzerEN, term))
		}
		p.matchers = append(p.matchers, m)
	}
	p.clauses = len(clauses)
	p.query = blevesearch.NewDisjunctionQuery(clauses...)
	return p
}

// polishStop are function words that carry no meaning for matching
// (folded). The stemming analyzer has its own, larger list.
var polishStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a aby ale bo by byc byl byla bylo byly co czy dla do ja jak jaki jest juz
		ktora ktore ktory lub ma mam mi mnie moj moja na nad nam nas nie nic no o od on ona one oni po pod przez
		przy sa sie tak tam te tego tej ten to tu ty u w we wiec z za ze zeby i oraz albo ze jego jej ich tez
		mu go ja jakis jakas cos gdy kiedy tylko bardzo juz jeszcze teraz the to of and in for my is i a an`) {
		polishStop[w] = true
	}
}

