package bleve

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	blevesearch "github.com/blevesearch/bleve/v2"

	"okienko/bot/textnorm"
	"okienko/catalog"
)

// vocabulary is the set of terms one field holds, for planning queries:
// a word absent from a field costs no clause, and typo and prefix variants
// are looked up here instead of by bleve's automata on every query.
type vocabulary struct {
	set    map[string]int // term → number of services holding it
	sorted []string
}

func readVocabulary(idx blevesearch.Index, fields map[string]string) (map[string]*vocabulary, error) {
	out := map[string]*vocabulary{}
	for field := range fields {
		d, err := idx.FieldDict(field)
		if err != nil {
			return nil, fmt.Errorf("read terms of %s: %w", field, err)
		}
		v := &vocabulary{set: map[string]int{}}
		for {
			e, err := d.Next()
			if err != nil {
				d.Close()
				return nil, fmt.Errorf("read terms of %s: %w", field, err)
			}
			if e == nil {
				break
			}
			v.set[e.Term] = int(e.Count)
			v.sorted = append(v.sorted, e.Term)
		}
		d.Close()
		slices.Sort(v.sorted)
		out[field] = v
	}
	return out, nil
}

// count is how many services hold term.
func (v *vocabulary) count(term string) int {
	if v == nil {
		return 0
	}
	return v.set[term]
}

// withPrefix lists up to limit terms starting with prefix (other than
// prefix itself).
func (v *vocabulary) withPrefix(prefix string, limit int) []string {
	if v == nil {
		return nil
	}
	i, _ := slices.BinarySearch(v.sorted, prefix)
	var out []string
	for ; i < len(v.sorted) && strings.HasPrefix(v.sorted[i], prefix) && len(out) < limit; i++ {
		if v.sorted[i] != prefix {
			out = append(out, v.sorted[i])
		}
	}
	return out
}

// oneEditAway lists up to limit terms one typo away from term.
func (v *vocabulary) oneEditAway(term string, limit int) []string {
	if v == nil {
		return nil
	}
	n := utf8.RuneCountInString(term)
	var out []string
	for _, t := range v.sorted {
		if d := utf8.RuneCountInString(t) - n; d < -1 || d > 1 || t == term {
			continue
		}
		if textnorm.OneEditApart(t, term) {
			out = append(out, t)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// termSet is a service's light stems (Polish, Ukrainian and English
// forms), enough to tell which words of a query it matched.
type termSet map[string]bool

func serviceTerms(s catalog.Service) termSet {
	ts := termSet{}
	add := func(text string) {
		for _, w := range textnorm.Words(text) {
			ts[lightForm(w)] = true
		}
	}
	add(s.Name)
	add(strings.Join(s.Keywords, " "))
	add(s.Summary)
	add(s.Description)
	for _, t := range s.Translations {
		add(t.Name)
		add(strings.Join(t.Keywords, " "))
		add(t.Summary)
		add(t.Description)
	}
	return ts
}

// lightForm is the light stem of a folded word in its own script.
func lightForm(folded string) string {
	if isCyrillic(folded) {
		return stemUkrainian(folded)
	}
	return stemPolishLight(folded)
}
