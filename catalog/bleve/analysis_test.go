package bleve

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"okienko/catalog"
)

// TestMemoChainsAnalyzeAsTheirFilters checks that each memoised chain
// gives exactly the tokens its filters give unmemoised (terms, positions,
// offsets, dropped words), on the sample catalogue's texts and on words the
// filters drop or empty, on first sight and from memory, from several
// goroutines at once (run with -race).
func TestMemoChainsAnalyzeAsTheirFilters(t *testing.T) {
	c, probs := catalog.Sample()
	if c == nil {
		t.Fatal(probs)
	}
	texts := []string{
		"Mąż się nie odzywa, a ja chcę zasiłek", // "mąż" stems to "", "się" is a stop word
		"ZASIŁKU zasilku Zasiłek — mieszkań mieszkania",
		"Доглядальниця доглядальницю, їжа й допомога",
		"", "  ", "800+ 2026 a1b2",
	}
	for _, s := range c.Services {
		texts = append(texts, s.Name, strings.Join(s.Keywords, " ; "), s.Summary, s.Description)
		for _, tr := range s.Translations {
			texts = append(texts, tr.Name, tr.Summary, tr.Description)
		}
	}
	memo := mapping.NewIndexMapping()
	if err := addAnalyzers(memo); err != nil {
		t.Fatal(err)
	}
	plain := mapping.NewIndexMapping()
	for _, chain := range []string{chainPLStem, chainPLLight, chainFold, chainUK} {
		err := plain.AddCustomAnalyzer(chain, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": append([]string{lowercase.Name}, chains[chain]...),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for analyzer, chain := range map[string]string{analyzerStem: chainPLStem, analyzerLight: chainPLLight, analyzerFold: chainFold, analyzerUK: chainUK} {
		t.Run(analyzer, func(t *testing.T) {
			want := make([]string, len(texts))
			for i, text := range texts {
				want[i] = tokens(plain.AnalyzerNamed(chain).Analyze([]byte(text)))
			}
			a := memo.AnalyzerNamed(analyzer)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 2 { // first sight, then from memory
						for i, text := range texts {
							if got := tokens(a.Analyze([]byte(text))); got != want[i] {
								t.Errorf("%q:\n got %s\nwant %s", text, got, want[i])
								return
							}
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func tokens(ts analysis.TokenStream) string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s@%d[%d:%d]", t.Term, t.Position, t.Start, t.End))
	}
	return strings.Join(out, " ")
}

// TestMemoChainIsBounded checks that a chain stops remembering words at
// maxMemoTerms and still filters the words beyond it.
func TestMemoChainIsBounded(t *testing.T) {
	m := mapping.NewIndexMapping()
	if err := addAnalyzers(m); err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(analyzerLight).(*analysis.DefaultAnalyzer)
	chain := a.TokenFilters[len(a.TokenFilters)-1].(*memoChain)
	words := make([]string, maxMemoTerms+10)
	for i := range words {
		words[i] = fmt.Sprintf("mieszkaniach%d", i)
	}
	a.Analyze([]byte(strings.Join(words, " ")))
	if len(chain.terms) != maxMemoTerms {
		t.Errorf("remembered %d words, want the bound %d", len(chain.terms), maxMemoTerms)
	}
	got := a.Analyze([]byte("Zasiłku " + words[len(words)-1]))
	if terms := []string{string(got[0].Term), string(got[1].Term)}; !slices.Equal(terms, []string{"zasilk", words[len(words)-1]}) {
		t.Errorf("beyond the bound: %v", terms)
	}
}

// TestMemoKeepsNoResidentWords: once the catalogue is indexed, the memoised
// analysis learns no more words, so a resident's search leaves none of its
// words in the process; it still analyses them.
func TestMemoKeepsNoResidentWords(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	sizes := func() (n, chains int) {
		for _, name := range []string{analyzerStem, analyzerFold, analyzerLight, analyzerUK} {
			a, ok := ix.idx.Mapping().AnalyzerNamed(name).(*analysis.DefaultAnalyzer)
			if !ok {
				t.Fatalf("analyzer %s is %T", name, ix.idx.Mapping().AnalyzerNamed(name))
			}
			for _, f := range a.TokenFilters {
				if c, ok := f.(*memoChain); ok {
					c.mu.RLock()
					n += len(c.terms)
					c.mu.RUnlock()
					chains++
				}
			}
		}
		return n, chains
	}
	before, chains := sizes()
	if chains != 4 || before == 0 {
		t.Fatalf("%d memoised chains holding %d words, want 4 holding the catalogue's words", chains, before)
	}
	if _, err := ix.Find(context.Background(), Query{Text: "Zbigniewowi Grzegorzewskiemu zepsuła się hulajnoga"}); err != nil {
		t.Fatal(err)
	}
	if got := ix.analyze(analyzerLight, "Grzegorzewskiemu"); len(got) != 1 || got[0] == "" {
		t.Errorf("a word the catalogue lacks analysed to %q", got)
	}
	if after, _ := sizes(); after != before {
		t.Errorf("memo grew from %d to %d words after a resident's search", before, after)
	}
}
