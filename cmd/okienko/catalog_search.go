package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"okienko/bot/orgtext"
	catbleve "okienko/catalog/bleve"
)

// searchLine is one line of `catalog search --json`.
type searchLine struct {
	Query     string         `json:"query"`
	Confident bool           `json:"confident"`
	Tentative bool           `json:"tentative"` // fits, but the bot would ask "czy chodzi o…?"
	Results   []searchResult `json:"results"`
}

type searchResult struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// catalogSearch ranks services for a query, or for each line of standard
// input, the batch form quality is measured through.
func catalogSearch(ctx context.Context, args []string, io stdio) error {
	fl := orgFlagSet("catalog search", &io, catalogUsage)
	var cat catalogFlags
	cat.register(fl)
	limit := fl.Int("limit", 10, orgtext.Key("at most this many results per query"))
	asJSON := fl.Bool("json", false, orgtext.Key("print one JSON object per query"))
	lang := fl.String("lang", "pl", orgtext.Key("language of the names shown: pl, uk or en"))
	category := fl.String("category", "", orgtext.Key("only this category (falls back to all when nothing fits)"))
	audience := fl.String("audience", "", orgtext.Key("only services for this audience"))
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	ix, err := cat.searcher(io)
	if err != nil {
		return err
	}
	defer ix.Close()
	search := func(q string) error {
		res, err := ix.Find(ctx, catbleve.Query{Text: q, Lang: *lang, Limit: *limit, Category: *category, Audience: *audience})
		if err != nil {
			return err
		}
		line := searchLine{Query: q, Confident: res.Confident, Tentative: res.Tentative, Results: []searchResult{}}
		for _, h := range res.Hits {
			line.Results = append(line.Results, searchResult{ID: h.Service.ID, Name: h.Service.In(*lang).Name, Score: h.Score})
		}
		if *asJSON {
			b, err := json.Marshal(line)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(io.out, "%s\n", b)
			return err
		}
		fmt.Fprintf(io.out, "%s\n", q)
		if len(line.Results) == 0 {
			fmt.Fprintln(io.out, "  "+orgtext.Translate(io.lang, "(nothing found)"))
		}
		for i, r := range line.Results {
			fmt.Fprintf(io.out, "  %d. %-40s %s  %.3f\n", i+1, r.ID, r.Name, r.Score)
		}
		switch {
		case len(line.Results) == 0 || res.Confident:
		case res.Tentative:
			fmt.Fprintln(io.out, "  "+orgtext.Translate(io.lang, "(not sure: the bot would ask whether one of these is meant, and offer a person)"))
		default:
			fmt.Fprintln(io.out, "  "+orgtext.Translate(io.lang, "(not confident: the bot would offer a person)"))
		}
		return nil
	}
	if fl.NArg() > 0 {
		return search(strings.Join(fl.Args(), " "))
	}
	sc := bufio.NewScanner(io.in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		q := strings.TrimSpace(sc.Text())
		if q == "" {
			continue
		}
		if err := search(q); err != nil {
			return err
		}
	}
	return sc.Err()
}
