package needs_test

import (
	"slices"
	"strings"
	"testing"

	"okienko/bot/needs"
	catbleve "okienko/catalog/bleve"
)

// group finds the group holding a form.
func group(groups []needs.NeedGroup, form string) *needs.NeedGroup {
	for i, g := range groups {
		if slices.Contains(g.Forms, form) {
			return &groups[i]
		}
	}
	return nil
}

func TestGroupQueriesMergesInflectedForms(t *testing.T) {
	tests := []struct {
		name     string
		queries  needs.Counts
		same     []string // forms that must share a group
		searches int64    // how many searches that group counts
		apart    []string // forms of other groups
	}{
		{"cases of a noun", needs.Counts{"mieszkanie socjalne": 3, "szukam mieszkania": 2, "z mieszkaniem problem": 1, "remont mieszkań": 1},
			[]string{"mieszkanie", "mieszkania", "mieszkaniem", "mieszkań"}, 7, []string{"remont"}},
		{"without diacritics", needs.Counts{"zasiłek na remont": 2, "zasilku nie dostalam": 1, "o zasiłku": 1},
			[]string{"zasiłek", "zasilku", "zasiłku"}, 4, []string{"remont"}},
		{"singular and plural", needs.Counts{"dziecko niepełnosprawne dentysta": 2, "dzieci dentysta": 1, "z dzieckiem do dentysty": 1},
			[]string{"dziecko", "dzieci", "dzieckiem"}, 4, nil},
		{"Ukrainian", needs.Counts{"доглядальниця для мами": 2, "шукаю доглядальницю": 1},
			[]string{"доглядальниця", "доглядальницю"}, 3, nil},
		{"one query counts once per group", needs.Counts{"mieszkanie mieszkania mieszkaniem": 5},
			[]string{"mieszkanie", "mieszkania", "mieszkaniem"}, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := needs.GroupQueries(tt.queries, catbleve.Stems, 3)
			g := group(groups, tt.same[0])
			if g == nil {
				t.Fatalf("no group holds %q: %+v", tt.same[0], groups)
			}
			for _, f := range tt.same[1:] {
				if !slices.Contains(g.Forms, f) {
					t.Errorf("%q is not with %q: %+v", f, tt.same[0], groups)
				}
			}
			if g.Queries != tt.searches {
				t.Errorf("group %q counts %d searches, want %d", g.Label, g.Queries, tt.searches)
			}
			for _, f := range tt.apart {
				if slices.Contains(g.Forms, f) {
					t.Errorf("%q joined %q's group", f, tt.same[0])
				}
			}
		})
	}
}

func TestGroupQueriesOrderAndContext(t *testing.T) {
	groups := needs.GroupQueries(needs.Counts{
		"transport na dializy":             5,
		"transport do szpitala na dializy": 2,
		"Szukam pomocy, remont mieszkania": 3, // "szukam", "pomocy" say nothing of the need
		"remont dachu po burzy":            1,
		"Remont mieszkania":                2,
		"REMONT MIESZKANIA!":               2, // the same query, shouted
		"[telefon] [imię]":                 4, // placeholders only
	}, catbleve.Stems, 2)
	var labels []string
	for _, g := range groups {
		labels = append(labels, g.Label)
	}
	if want := []string{"remont", "mieszkania", "transport + dializy"}; !slices.Equal(labels, want) {
		t.Errorf("groups %q, want %q: most searched first, words always together as one", labels, want)
	}
	r := group(groups, "remont")
	if r == nil || r.Queries != 8 || len(r.Examples) != 2 || r.Examples[0].Count != 4 {
		t.Fatalf("remont: %+v; want 8 searches, the shouted query merged with its twin (4) first", r)
	}
	if !slices.Contains(r.Related, "dachu + burzy") && !slices.Contains(r.Related, "dachu") {
		t.Errorf("remont's related words %q: want the words of its one-off query", r.Related)
	}
	for _, l := range labels {
		if strings.Contains(l, "szukam") || strings.Contains(l, "pomoc") || strings.Contains(l, "telefon") || strings.Contains(l, "imię") {
			t.Errorf("group %q is made of asking words or placeholders", l)
		}
	}
	if tr := group(groups, "transport"); tr == nil || !slices.Contains(tr.Related, "szpitala") {
		t.Errorf("transport: %+v; want szpitala, met once, as its related word", tr)
	}
}
