package bleve

import (
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/pl"
	"github.com/blevesearch/bleve/v2/mapping"

	"okienko/bot/textnorm"
)

// The analyzers of the index, built once for Stem and Stems from the very
// definitions the index mapping uses (addAnalyzers), so that words are
// stemmed for reports exactly as they are for search.
var wordAnalysis struct {
	once              sync.Once
	stem, light, uk   analysis.Analyzer
	stopWords, folded map[string]bool
}

func loadWordAnalysis() {
	w := &wordAnalysis
	m := mapping.NewIndexMapping()
	if err := addAnalyzers(m); err != nil {
		panic("catalog/bleve: analyzers: " + err.Error()) // static definitions: a bug if they fail
	}
	w.stem, w.light, w.uk = m.AnalyzerNamed(analyzerStem), m.AnalyzerNamed(analyzerLight), m.AnalyzerNamed(analyzerUK)
	if w.stem == nil || w.light == nil || w.uk == nil {
		panic("catalog/bleve: analyzers missing from the mapping")
	}
	stops, err := pl.TokenMapConstructor(nil, nil)
	if err != nil {
		panic("catalog/bleve: Polish stop words: " + err.Error())
	}
	w.stopWords, w.folded = map[string]bool{}, map[string]bool{}
	for word := range stops {
		w.stopWords[word] = true
		w.folded[textnorm.Fold(word)] = true
	}
}

// Stem returns the Polish stem of one word as the index's stemming
// analyzer makes it: lower case, Polish stop words dropped, Stempel (the
// Polish stemmer bleve ships), then folded ("mieszkania" → "mieszkac",
// "dzieci" → "dziecko"). It returns "" for a stop word, for a word the
// stemmer empties ("mąż") and for anything that is not one word.
// Stempel handles words typed without diacritics badly; Stems adds the
// light stem the index uses for those.
func Stem(word string) string {
	wordAnalysis.once.Do(loadWordAnalysis)
	if len(textnorm.Words(word)) != 1 {
		return ""
	}
	toks := wordAnalysis.stem.Analyze([]byte(word))
	if len(toks) != 1 {
		return ""
	}
	return string(toks[0].Term)
}

// Stems returns the terms the index matches one word by, so that callers
// can tell inflected forms of a word apart from other words the way the
// search does: for a Latin word its Polish stem (Stem) and its light stem
// (folded, one Polish ending stripped: "zasilku", "zasiłek" → "zasilk");
// for a Cyrillic word its folded Ukrainian light stem. It returns nil for
// a Polish stop word, with or without diacritics ("się", "sie"), and for
// anything that is not one word. Safe for concurrent use.
func Stems(word string) []string {
	wordAnalysis.once.Do(loadWordAnalysis)
	w := &wordAnalysis
	lower := strings.ToLower(strings.TrimSpace(word))
	if len(textnorm.Words(lower)) != 1 || w.stopWords[lower] || w.folded[textnorm.Fold(lower)] {
		return nil
	}
	if cyrillicWord(lower) {
		return terms(w.uk, lower)
	}
	out := terms(w.stem, lower)
	for _, t := range terms(w.light, lower) {
		if len(out) == 0 || out[0] != t {
			out = append(out, t)
		}
	}
	return out
}

// terms analyzes one word; a string the tokenizer splits is not one word.
func terms(a analysis.Analyzer, word string) []string {
	toks := a.Analyze([]byte(word))
	if len(toks) != 1 {
		return nil
	}
	return []string{string(toks[0].Term)}
}

func cyrillicWord(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}
