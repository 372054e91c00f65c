package needs

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"okienko/bot/textnorm"
)

// Stemmer gives the stems under which the catalogue's search index matches
// one word (catalog/bleve.Stems): two forms of a word share a stem.
// It returns none for words that carry no meaning of their own (stop
// words). nil groups words by their folded form only.
type Stemmer func(word string) []string

// NeedGroup is an unmet need: the unmatched queries that hold one word, in
// any of its inflected forms, with or without diacritics.
type NeedGroup struct {
	Label string   `json:"label"` // the form residents wrote most often
	Forms []string `json:"forms"` // every form met, most frequent first
	// Related are words met only together with this need, in one query
	// ("zalaniu" with "remont"): context, not needs of their own.
	Related  []string  `json:"related,omitempty"`
	Queries  int64     `json:"queries"`  // unmatched searches holding the word
	Examples []Example `json:"examples"` // the most frequent of those queries
}

// Example is one redacted query and how often it was searched.
type Example struct {
	Text  string `json:"text"`
	Count int64  `json:"count"`
}

// fillerWords are the words of asking itself ("szukam pomocy", "please
// help"): they say nothing about the need and would top every list.
var fillerWords = strings.Fields(`pomoc pomocy pomocą szukam szukać szukamy potrzebuję potrzebuje potrzebujemy
	potrzebna potrzebny potrzebne chcę chce chciałabym chciałbym chcialabym chcialbym proszę prosze gdzie jak
	można mogę moge czy jest mam mamy mój moja moje mojej mojego mnie dzień dobry dobrze informacja informacji
	info sprawa sprawie sprawę kto coś cos ktoś ktos kogoś kogos komuś komus wiem wiedzieć dostać uzyskać załatwić zrobić nie czego
	czym który która które jaki jaka jakie nazywam imię imie nazwisko jestem
	the and for with from you can have has are was what this that not any some
	help need needed looking please where how want would like get
	допомога допомогу допомоги потрібна потрібно потрібен шукаю будь ласка де як хочу мені мене звати для про
	цей яка який які щоб або але без від при`)

// GroupQueries groups unmatched queries (redacted text → how often) by the
// stems of their words: "mieszkania", "mieszkanie" and "mieszkaniem" are
// one need, as are "zasiłku" and "zasilku". A query with several words
// counts in the group of each. Words that only ever come together are one
// group ("transport + dializy"); a word met in a single query is listed as
// related to the most specific group of that query instead of standing
// alone. Groups come most frequent first, each with up to maxExamples
// queries. Queries that differ only in case, diacritics or punctuation
// count as one.
func GroupQueries(queries Counts, stems Stemmer, maxExamples int) []NeedGroup {
	if stems == nil {
		stems = func(w string) []string { return []string{textnorm.Fold(w)} }
	}
	stemsOf := map[string][]string{} // form → stems, memoised
	stemmed := func(form string) []string {
		s, ok := stemsOf[form]
		if !ok {
			s = stems(form)
			stemsOf[form] = s
		}
		return s
	}
	filler := map[string]bool{}
	for _, w := range fillerWords {
		for _, s := range stems(w) {
			filler[s] = true
		}
	}

	// Queries that differ only in case, diacritics or punctuation are one.
	type query struct {
		text  string
		count int64
		top   int64 // the count of the spelling shown
		forms []string
	}
	byNorm := map[string]*query{}
	for text, n := range queries {
		if n <= 0 {
			continue
		}
		norm := textnorm.Normalize(text)
		q := byNorm[norm]
		if q == nil {
			q = &query{}
			byNorm[norm] = q
		}
		q.count += n
		if n > q.top || n == q.top && text < q.text {
			q.text, q.top = text, n
		}
	}

	// Union-find over word forms, joined through the stems they share.
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok {
			parent[x] = x
			return x
		}
		if p == x {
			return x
		}
		root := find(p)
		parent[x] = root
		return root
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb) // deterministic roots
		}
	}
	formCount := map[string]int64{}
	for _, q := range byNorm {
		seen := map[string]bool{}
		for _, form := range queryWords(q.text) {
			st := stemmed(form)
			if len(st) == 0 || slices.ContainsFunc(st, func(s string) bool { return filler[s] }) {
				continue
			}
			formCount[form] += q.count
			if !seen[form] {
				seen[form] = true
				q.forms = append(q.forms, form)
			}
			find("w:" + form)
			for _, s := range st {
				union("w:"+form, "s:"+s)
			}
		}
	}

	// A group per component, with the queries holding one of its forms.
	type group struct {
		NeedGroup
		queries []*query // distinct, each once
		key     string   // the queries' texts, for finding identical sets
	}
	byRoot := map[string]*group{}
	var groups []*group
	for _, q := range byNorm {
		for _, form := range q.forms {
			root := find("w:" + form)
			g := byRoot[root]
			if g == nil {
				g = &group{}
				byRoot[root] = g
				groups = append(groups, g)
			}
			if !slices.Contains(g.Forms, form) {
				g.Forms = append(g.Forms, form)
			}
			if !slices.Contains(g.queries, q) {
				g.queries = append(g.queries, q)
				g.Queries += q.count
			}
		}
	}
	byCount := func(a, b *query) int { return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.text, b.text)) }
	for _, g := range groups {
		slices.SortFunc(g.Forms, func(a, b string) int {
			return cmp.Or(cmp.Compare(formCount[b], formCount[a]), cmp.Compare(a, b))
		})
		g.Label = g.Forms[0]
		slices.SortFunc(g.queries, byCount)
		var texts []string
		for _, q := range g.queries {
			texts = append(texts, q.text)
		}
		g.key = strings.Join(texts, "\x00")
	}
	slices.SortFunc(groups, func(a, b *group) int { return cmp.Or(cmp.Compare(b.Queries, a.Queries), cmp.Compare(a.Label, b.Label)) })

	// Words that always come together ("transport" and "dializy") are one
	// need: their groups merge, named by both.
	var merged []*group
	same := map[string]*group{}
	parts := map[*group][]string{}
	for _, g := range groups {
		if first := same[g.key]; first != nil {
			parts[first] = append(parts[first], g.Label)
			first.Forms = append(first.Forms, g.Forms...)
			continue
		}
		same[g.key] = g
		parts[g] = []string{g.Label}
		merged = append(merged, g)
	}
	for _, g := range merged {
		// Named in the order the words come in the most frequent query.
		top := strings.ToLower(g.queries[0].text)
		slices.SortStableFunc(parts[g], func(a, b string) int { return cmp.Compare(strings.Index(top, a), strings.Index(top, b)) })
		g.Label = strings.Join(parts[g], " + ")
	}
	// A word met in one query only ("zalaniu" in "remont mieszkania po
	// zalaniu") is context for the most specific need that query belongs
	// to, not a need of its own.
	var out []NeedGroup
	for _, g := range merged {
		if len(g.queries) == 1 {
			var home *group
			for _, h := range merged {
				if h != g && len(h.queries) > 1 && slices.Contains(h.queries, g.queries[0]) &&
					(home == nil || h.Queries < home.Queries) {
					home = h
				}
			}
			if home != nil {
				home.Related = append(home.Related, g.Label)
				g.queries = nil
			}
		}
	}
	for _, g := range merged {
		if g.queries == nil {
			continue
		}
		for i, q := range g.queries {
			if i == maxExamples {
				break
			}
			g.Examples = append(g.Examples, Example{Text: q.text, Count: q.count})
		}
		out = append(out, g.NeedGroup)
	}
	slices.SortFunc(out, func(a, b NeedGroup) int {
		return cmp.Or(cmp.Compare(b.Queries, a.Queries), cmp.Compare(a.Label, b.Label))
	})
	return out
}

// queryWords are the words of a query worth grouping, lower-cased: no
// placeholders, numbers or one- and two-letter words.
func queryWords(text string) []string {
	var out []string
	for _, t := range tokenize(text) {
		if t.holder || utf8.RuneCountInString(t.text) < 3 || strings.IndexFunc(t.text, unicode.IsLetter) < 0 {
			continue
		}
		out = append(out, strings.ToLower(t.text))
	}
	return out
}
