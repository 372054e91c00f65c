package catalog

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"okienko/bot/orgtext"
)

// Query is one line of an evaluation set: what a resident wrote and the
// services a social worker would accept as right answers.
type Query struct {
	Text     string
	Relevant []string
	Line     int
}

// ReadQueries reads a TSV of query<TAB>id,id lines; empty lines and lines
// starting with # are skipped.
func ReadQueries(r io.Reader, name string) ([]Query, error) {
	var out []Query
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, ids, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(text) == "" || strings.TrimSpace(ids) == "" {
			return nil, orgtext.Errorf("%s:%d: write each line as the query, a Tab, and the ids of the right services separated by commas", name, n)
		}
		q := Query{Text: strings.TrimSpace(text), Line: n}
		for _, id := range strings.Split(ids, ",") {
			if id = strings.TrimSpace(id); id != "" {
				q.Relevant = append(q.Relevant, id)
			}
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// Report is the quality of a search over an evaluation set.
type Report struct {
	Queries   int
	RecallAt3 float64 // share of queries with a relevant service in the top 3
	MRRAt10   float64 // mean reciprocal rank of the first relevant service in the top 10
	Misses    []Miss  // queries without a relevant service in the top 3
}

// Miss is a query whose top 3 held no relevant service.
type Miss struct {
	Query Query
	Got   []string // the ids returned, best first (up to 10)
	Rank  int      // rank of the first relevant id in the top 10, 0 if none
}

// Evaluate runs search (which returns ids, best first) over queries.
func Evaluate(queries []Query, search func(text string) ([]string, error)) (Report, error) {
	r := Report{Queries: len(queries)}
	if len(queries) == 0 {
		return r, nil
	}
	var hits, rr float64
	for _, q := range queries {
		got, err := search(q.Text)
		if err != nil {
			return r, fmt.Errorf("line %d: %w", q.Line, err)
		}
		if len(got) > 10 {
			got = got[:10]
		}
		rank := 0
		for i, id := range got {
			if slices.Contains(q.Relevant, id) {
				rank = i + 1
				break
			}
		}
		if rank > 0 {
			rr += 1 / float64(rank)
		}
		if rank > 0 && rank <= 3 {
			hits++
		} else {
			r.Misses = append(r.Misses, Miss{Query: q, Got: got, Rank: rank})
		}
	}
	r.RecallAt3 = hits / float64(len(queries))
	r.MRRAt10 = rr / float64(len(queries))
	return r, nil
}
