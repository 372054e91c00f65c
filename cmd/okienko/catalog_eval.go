package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
)

// catalogEval measures search quality over a TSV of resident queries and
// the services a social worker would accept, listing the misses.
func catalogEval(ctx context.Context, args []string, io stdio) error {
	fl := flag.NewFlagSet("catalog eval", flag.ContinueOnError)
	fl.SetOutput(io.err)
	var cat catalogFlags
	cat.register(fl)
	queries := fl.String("queries", "", "TSV file of query<TAB>id,id lines (required)")
	if err := parseInterspersed(fl, args); err != nil {
		return usageError(err.Error())
	}
	if *queries == "" {
		return usageError("catalog eval: --queries FILE.tsv is required")
	}
	f, err := os.Open(*queries)
	if err != nil {
		return fmt.Errorf("catalog eval: %w", err)
	}
	qs, err := catalog.ReadQueries(f, filepath.Base(*queries))
	f.Close()
	if err != nil {
		return fmt.Errorf("catalog eval: %w", err)
	}
	ix, err := cat.searcher(io)
	if err != nil {
		return err
	}
	defer ix.Close()
	rep, err := catalog.Evaluate(qs, func(text string) ([]string, error) {
		res, err := ix.Find(ctx, catbleve.Query{Text: text, Limit: 10})
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.Service.ID)
		}
		return ids, err
	})
	if err != nil {
		return fmt.Errorf("catalog eval: %w", err)
	}
	for _, m := range rep.Misses {
		rank := "not in the top 10"
		if m.Rank > 0 {
			rank = fmt.Sprintf("rank %d", m.Rank)
		}
		fmt.Fprintf(io.out, "miss %s:%d: %q → want %s, got %s (%s)\n", *queries, m.Query.Line, m.Query.Text,
			strings.Join(m.Query.Relevant, ","), strings.Join(m.Got[:min(3, len(m.Got))], ","), rank)
	}
	fmt.Fprintf(io.out, "%d queries: recall@3 %.3f, MRR@10 %.3f, %d misses\n", rep.Queries, rep.RecallAt3, rep.MRRAt10, len(rep.Misses))
	return nil
}
