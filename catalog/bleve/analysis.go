package bleve

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/pl"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"okienko/bot/textnorm"
)

// Analyzer names used in the index mapping.
const (
	// analyzerStem: Polish stemming, then folding — for text as the catalogue
	// writes it and queries typed with diacritics.
	analyzerStem = "okienko_pl_stem"
	// analyzerFold: words folded only — for queries typed without diacritics,
	// which the Polish stemmer handles badly, and for prefix and fuzzy terms.
	analyzerFold = "okienko_fold"
	// analyzerLight: folded words with common Polish endings stripped — the
	// inflection-tolerant form for text typed without diacritics, which the
	// Polish stemmer handles badly ("zasilku", "opiekunki", "bezdomnosci").
	analyzerLight = "okienko_pl_light"
	// analyzerUK: folded Ukrainian with light suffix stripping (bleve has no
	// Ukrainian stemmer).
	analyzerUK = "okienko_uk"
	// analyzerEN is bleve's English analyzer.
	analyzerEN = en.AnalyzerName

	filterFold     = "okienko_fold_filter"
	filterNonEmpty = "okienko_non_empty"
	filterUKStem   = "okienko_uk_stem"
	filterPLLight  = "okienko_pl_light_stem"

	// The memoised chains of per-word filters the analyzers end with (see
	// memoChain).
	chainPLStem  = "okienko_pl_stem_chain"
	chainPLLight = "okienko_pl_light_chain"
	chainFold    = "okienko_fold_chain"
	chainUK      = "okienko_uk_chain"
)

// chains are the filters each memoised chain runs on a word it has not
// seen, in order.
var chains = map[string][]string{
	chainPLStem:  {pl.StopName, pl.SnowballStemmerName, filterFold, filterNonEmpty},
	chainPLLight: {filterFold, filterPLLight},
	chainFold:    {filterFold, filterNonEmpty},
	chainUK:      {filterFold, filterUKStem},
}

func init() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterTokenFilter(filterFold, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(foldToken), nil
	}))
	// The Polish stemmer turns some words ("mąż") into empty tokens.
	must(registry.RegisterTokenFilter(filterNonEmpty, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(func(t []byte) []byte { return t }), nil
	}))
	for name, filters := range chains {
		must(registry.RegisterTokenFilter(name, func(_ map[string]interface{}, cache *registry.Cache) (analysis.TokenFilter, error) {
			c := &memoChain{terms: map[string][]byte{}}
			for _, f := range filters {
				tf, err := cache.TokenFilterNamed(f)
				if err != nil {
					return nil, err
				}
				c.filters = append(c.filters, tf)
			}
			return c, nil
		}))
	}
	must(registry.RegisterTokenFilter(filterPLLight, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(func(t []byte) []byte { return []byte(stemPolishLight(string(t))) }), nil
	}))
	must(registry.RegisterTokenFilter(filterUKStem, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(func(t []byte) []byte { return []byte(stemUkrainian(string(t))) }), nil
	}))
}

// foldToken folds a token as textnorm.Fold does; lower-case ASCII words,
// most of a catalogue, are already folded and cost no allocation.
func foldToken(t []byte) []byte {
	for _, c := range t {
		if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return []byte(textnorm.Fold(string(t)))
		}
	}
	return t
}

// tokenFunc rewrites every token's term and drops tokens left empty.
type tokenFunc func([]byte) []byte

func (f tokenFunc) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, tok := range in {
		tok.Term = f(tok.Term)
		if len(tok.Term) > 0 {
			out = append(out, tok)
		}
	}
	return out
}

// memoChain runs a chain of per-word filters (each token's result depends
// on its term alone: stop words, stemmers, folding) once per distinct
// word and remembers the result. Catalogues repeat their words, and
// Stempel, folding and suffix stripping cost far more than a map lookup:
// indexing 5,000 generated services runs them on hundreds of thousands of
// tokens of about 3,000 distinct words (a real catalogue has more distinct
// words; each is still filtered once). Safe for the concurrent analysis
// bleve does while indexing, and bounded (maxMemoTerms). The memory lives
// with the index's mapping: a rebuilt index starts afresh.
//
// The terms it hands out are shared by every token of the same word: they
// are read-only, so a chain ends its analyzer (no filter after it may
// write into a term; bleve's index and queries only read them).
//
// Once the index is built the chain is sealed: it still answers from what
// it holds (the catalogue's words), but learns nothing more, so the words
// of residents' searches are never kept in the process (an erased
// conversation leaves no trace here; see the privacy section of README).
type memoChain struct {
	filters []analysis.TokenFilter
	mu      sync.RWMutex
	terms   map[string][]byte // word → term; nil: the chain drops the word
	sealed  atomic.Bool
}

// maxMemoTerms bounds a chain's memory (about 100 bytes a word) on strange
// input: words beyond it are filtered each time.
const maxMemoTerms = 100_000

// Filter replaces each token's term by the chain's result for its word,
// dropping the tokens the chain drops.
func (c *memoChain) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, tok := range in {
		c.mu.RLock()
		term, ok := c.terms[string(tok.Term)]
		c.mu.RUnlock()
		if !ok {
			term = c.run(tok.Term)
			if !c.sealed.Load() {
				c.mu.Lock()
				if len(c.terms) < maxMemoTerms {
					c.terms[string(tok.Term)] = term
				}
				c.mu.Unlock()
			}
		}
		if term == nil {
			continue
		}
		tok.Term = term
		out = append(out, tok)
	}
	return out
}

// run filters one word through the chain: its term, or nil when a filter
// drops it.
func (c *memoChain) run(word []byte) []byte {
	one := analysis.TokenStream{&analysis.Token{Term: append([]byte(nil), word...)}}
	for _, f := range c.filters {
		if one = f.Filter(one); len(one) == 0 {
			return nil
		}
	}
	if len(one[0].Term) == 0 {
		return nil
	}
	return one[0].Term
}

// sealAnalysis seals the memoised chains of m's analyzers (see memoChain):
// called when the catalogue is indexed, before any resident's search.
func sealAnalysis(m mapping.IndexMapping) {
	for _, name := range []string{analyzerStem, analyzerFold, analyzerLight, analyzerUK} {
		a, ok := m.AnalyzerNamed(name).(*analysis.DefaultAnalyzer)
		if !ok {
			continue
		}
		for _, f := range a.TokenFilters {
			if c, ok := f.(*memoChain); ok {
				c.sealed.Store(true)
			}
		}
	}
}

// memoAnalysis is false only for the benchmarks' baseline: the analyzers
// then run their per-word filters token by token, unmemoised.
var memoAnalysis = true

func addAnalyzers(m *mapping.IndexMappingImpl) error {
	analyzers := map[string]string{analyzerStem: chainPLStem, analyzerFold: chainFold, analyzerLight: chainPLLight, analyzerUK: chainUK}
	for name, chain := range analyzers {
		filters := []string{lowercase.Name, chain}
		if !memoAnalysis {
			filters = append([]string{lowercase.Name}, chains[chain]...)
		}
		err := m.AddCustomAnalyzer(name, map[string]interface{}{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": filters,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// plSuffixes are Polish case and number endings after folding, longest
// first; "i"-forms before the plain ones so that "mieszkaniem" and
// "mieszkaniach" meet "mieszkanie" at "mieszkan".
var plSuffixes = []string{
	"iami", "iach", "iego", "iemu", "owie",
	"ami", "ach", "owi", "ego", "emu", "ych", "ymi", "ich", "imi", "iej", "iem", "iom", "iow",
	"ej", "om", "ow", "em", "ie", "ia", "iu", "ii",
	"y", "a", "e", "i", "u", "o",
}

// stemPolishLight strips one ending from a folded word, keeping at least
// four letters. A word left ending in "ek" loses its mobile e, so that
// "zasilek" meets "zasilku" and "dodatek" meets "dodatku" at "zasilk",
// "dodatk".
func stemPolishLight(w string) string {
	s := stripSuffix(w, plSuffixes)
	if s == w && len(w) >= 6 && strings.HasSuffix(w, "ek") {
		return w[:len(w)-2] + "k"
	}
	return s
}

func stripSuffix(w string, suffixes []string) string {
	for _, suf := range suffixes {
		if len(w) > len(suf) && w[len(w)-len(suf):] == suf && utf8.RuneCountInString(w[:len(w)-len(suf)]) >= 4 {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// ukSuffixes are Ukrainian case and number endings after folding (й → и,
// ї → і), longest first.
var ukSuffixes = []string{
	"ами", "ями", "ові", "еві", "ого", "ому", "ими", "іми", "ою", "ею",
	"ии", "іи", "их", "іх", "ая", "яя", "ів", "ах", "ях", "ом", "ем", "ям", "ам",
	"а", "я", "у", "ю", "і", "и", "е", "о", "ь",
}

// stemUkrainian strips one inflectional ending, keeping at least four
// letters, so "доглядальниця", "доглядальницю" and "доглядальниці" meet.
func stemUkrainian(w string) string {
	return stripSuffix(w, ukSuffixes)
}
