package bleve

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"okienko/catalog"
)

// evalSets are the development set (on the bundled sample) and the
// holdout: another town's catalogue and queries written separately, which
// guard against tuning the search to the sample.
var evalSets = []struct {
	name, catalog, queries string
	recall3, mrr10         float64
}{
	{"sample", "../data/sample.yaml", "../testdata/eval.tsv", 0.95, 0.90},
	{"holdout", "../testdata/holdout/catalog.yaml", "../testdata/holdout/queries.tsv", 0.95, 0.90},
}

func buildFrom(tb testing.TB, path string) *Index {
	tb.Helper()
	c, probs := catalog.Load(path)
	if c == nil {
		tb.Fatalf("catalogue %s: %v", path, probs)
	}
	th, probs := catalog.DefaultThesaurus()
	if th == nil {
		tb.Fatalf("thesaurus: %v", probs)
	}
	ix, err := New(Config{Catalog: c, Thesaurus: th})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

func readQueries(tb testing.TB, path string) []catalog.Query {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	qs, err := catalog.ReadQueries(f, filepath.Base(path))
	if err != nil {
		tb.Fatal(err)
	}
	return qs
}

func TestEvaluationSets(t *testing.T) {
	for _, set := range evalSets {
		t.Run(set.name, func(t *testing.T) {
			ix := buildFrom(t, set.catalog)
			qs := readQueries(t, set.queries)
			rep, err := catalog.Evaluate(qs, func(text string) ([]string, error) {
				res, err := ix.Find(context.Background(), Query{Text: text, Limit: 10})
				var ids []string
				for _, h := range res.Hits {
					ids = append(ids, h.Service.ID)
				}
				return ids, err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range rep.Misses {
				t.Logf("miss (line %d): %s → want %v, got %v", m.Query.Line, m.Query.Text, m.Query.Relevant, m.Got)
			}
			c, _ := catalog.Load(set.catalog)
			plain := baselineIndex(t, c)
			base, err := catalog.Evaluate(qs, func(text string) ([]string, error) { return baselineSearch(plain, text) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d queries, recall@3 %.3f, MRR@10 %.3f (plain bleve Polish match, same run: %.3f, %.3f)",
				set.name, rep.Queries, rep.RecallAt3, rep.MRRAt10, base.RecallAt3, base.MRRAt10)
			if rep.RecallAt3 < set.recall3 || rep.MRRAt10 < set.mrr10 {
				t.Errorf("recall@3 %.3f (want ≥ %.2f), MRR@10 %.3f (want ≥ %.2f)", rep.RecallAt3, set.recall3, rep.MRRAt10, set.mrr10)
			}
		})
	}
}
