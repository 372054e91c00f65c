package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"okienko/bot/orgtext"
	"okienko/bot/yamlfile"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
)

// catalogEval measures search quality over a TSV of resident queries and
// the services a social worker would accept, listing the misses.
func catalogEval(ctx context.Context, args []string, io stdio) error {
	fl := orgFlagSet("catalog eval", &io, catalogUsage)
	var cat catalogFlags
	cat.register(fl)
	queries := fl.String("queries", "", orgtext.Key("TSV file of query<TAB>id,id lines (required)"))
	langFlag(fl, &io)
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	if *queries == "" {
		return orgUsagef("catalog eval: --queries FILE.tsv is required")
	}
	f, err := os.Open(*queries)
	if err != nil {
		return orgtext.Errorf("catalog eval: %v", fileError(err))
	}
	qs, err := catalog.ReadQueries(f, filepath.Base(*queries))
	f.Close()
	if err != nil {
		return orgtext.Errorf("catalog eval: %v", fileError(err))
	}
	c, th, err := cat.load(io)
	if err != nil {
		return orgtext.Errorf("catalogue: %v", err)
	}
	// A query naming a service the catalogue does not have can never be
	// found: a typo, or a service renamed since the set was written.
	for _, q := range qs {
		for _, id := range q.Relevant {
			if _, ok := c.ByID(id); !ok {
				fmt.Fprintln(io.out, yamlfile.Warnf(*queries, q.Line, 1, "service %s is not in the catalogue: this query can never count as found", id).In(io.lang))
			}
		}
	}
	ix, err := catbleve.New(catbleve.Config{Catalog: c, Thesaurus: th, Logger: slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return orgtext.Errorf("catalogue: %v", err)
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
		return orgtext.Errorf("catalog eval: %v", err)
	}
	for _, m := range rep.Misses {
		rank := orgtext.Translate(io.lang, "not in the top 10")
		if m.Rank > 0 {
			rank = orgtext.Sprintf(io.lang, "rank %d", m.Rank)
		}
		fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "miss %s:%d: %q → want %s, got %s (%s)", *queries, m.Query.Line, m.Query.Text,
			strings.Join(m.Query.Relevant, ","), strings.Join(m.Got[:min(3, len(m.Got))], ","), rank))
	}
	fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "%d queries: recall@3 %.3f, MRR@10 %.3f, %d misses", rep.Queries, rep.RecallAt3, rep.MRRAt10, len(rep.Misses)))
	return nil
}
