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
	filterPLStem   = "okienko_pl_stem_cached"
)

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
	// Stempel is slow per word and catalogues repeat their words: remember
	// each word's stem (the vocabulary of a catalogue is small).
	must(registry.RegisterTokenFilter(filterPLStem, func(_ map[string]interface{}, cache *registry.Cache) (analysis.TokenFilter, error) {
		inner, err := cache.TokenFilterNamed(pl.SnowballStemmerName)
		if err != nil {
			return nil, err
		}
		return &cachedStemmer{inner: inner}, nil
	}))
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

// cachedStemmer memoises a stemming filter word by word; it is safe for
// the concurrent analysis bleve does while indexing a batch.
type cachedStemmer struct {
	inner analysis.TokenFilter
	stems sync.Map // word → stem
	size  atomic.Int64
}

// maxCachedStems bounds the memory the cache may take on strange input.
const maxCachedStems = 200_000

func (c *cachedStemmer) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		word := string(tok.Term)
		if stem, ok := c.stems.Load(word); ok {
			tok.Term = []byte(stem.(string))
			continue
		}
		one := c.inner.Filter(analysis.TokenStream{&analysis.Token{Term: append([]byte(nil), tok.Term...)}})
		stem := ""
		if len(one) > 0 {
			stem = string(one[0].Term)
		}
		if c.size.Load() < maxCachedStems {
			c.stems.Store(word, stem)
			c.size.Add(1)
		}
		tok.Term = []byte(stem)
	}
	return in
}

func addAnalyzers(m *mapping.IndexMappingImpl) error {
	analyzers := map[string][]string{
		analyzerStem:  {lowercase.Name, pl.StopName, filterPLStem, filterFold, filterNonEmpty},
		analyzerFold:  {lowercase.Name, filterFold, filterNonEmpty},
		analyzerLight: {lowercase.Name, filterFold, filterPLLight},
		analyzerUK:    {lowercase.Name, filterFold, filterUKStem},
	}
	for name, filters := range analyzers {
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
