package bleve

import (
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
	// analyzerUK: folded Ukrainian with light suffix stripping (bleve has no
	// Ukrainian stemmer).
	analyzerUK = "okienko_uk"
	// analyzerEN is bleve's English analyzer.
	analyzerEN = en.AnalyzerName

	filterFold     = "okienko_fold_filter"
	filterNonEmpty = "okienko_non_empty"
	filterUKStem   = "okienko_uk_stem"
)

func init() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterTokenFilter(filterFold, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(func(t []byte) []byte { return []byte(textnorm.Fold(string(t))) }), nil
	}))
	// The Polish stemmer turns some words ("mąż") into empty tokens.
	must(registry.RegisterTokenFilter(filterNonEmpty, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(func(t []byte) []byte { return t }), nil
	}))
	must(registry.RegisterTokenFilter(filterUKStem, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFunc(func(t []byte) []byte { return []byte(stemUkrainian(string(t))) }), nil
	}))
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

func addAnalyzers(m *mapping.IndexMappingImpl) error {
	analyzers := map[string][]string{
		analyzerStem: {lowercase.Name, pl.StopName, pl.SnowballStemmerName, filterFold, filterNonEmpty},
		analyzerFold: {lowercase.Name, filterFold, filterNonEmpty},
		analyzerUK:   {lowercase.Name, filterFold, filterUKStem},
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
	for _, suf := range ukSuffixes {
		if len(w) > len(suf) && w[len(w)-len(suf):] == suf && utf8.RuneCountInString(w[:len(w)-len(suf)]) >= 4 {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}
