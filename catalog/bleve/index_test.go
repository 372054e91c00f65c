package bleve

import (
	"context"
	"slices"
	"testing"

	"okienko/bot"
	"okienko/catalog"
)

// topIDs returns the ids found and whether they are offered to the
// resident at all: confidently, or as a question (tentative).
func topIDs(t *testing.T, ix *Index, q Query) ([]string, bool) {
	t.Helper()
	res, err := ix.Find(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Service.ID)
	}
	return ids, res.Confident || res.Tentative
}

// TestAnalysis: the forms residents type find the same service.
func TestAnalysis(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	tests := []struct {
		kind, text, want string
	}{
		{"base form", "usługi opiekuńcze", "uslugi-opiekuncze"},
		{"inflection", "szukam opiekunki", "uslugi-opiekuncze"},
		{"inflection without diacritics", "zasilku celowego", "zasilek-celowy"},
		{"no diacritics", "pomoc zywnosciowa", "pomoc-zywnosciowa"},
		{"no diacritics, inflected", "dodatku mieszkaniowego", "dodatek-mieszkaniowy"},
		{"typo", "psycholok", "poradnictwo-psychologiczne"},
		{"typo ó→u", "wuzek inwalidzki", "wypozyczalnia-sprzetu"},
		{"swapped letters", "noclegowina", "noclegownia"},
		{"thesaurus: everyday word", "opiekunka dla mamy", "uslugi-opiekuncze"},
		{"thesaurus: drinking", "mąż pije", "punkt-konsultacyjny-uzaleznienia"},
		{"thesaurus: violence", "on mnie bije", "niebieska-karta"},
		{"thesaurus: nowhere to sleep", "nie mam gdzie spać", "noclegownia"},
		{"thesaurus: bailiff", "komornik zabrał mi pensję", "poradnictwo-zadluzeniowe"},
		{"Ukrainian", "доглядальниця для мами", "uslugi-opiekuncze"},
		{"English", "free legal advice", "nieodplatna-pomoc-prawna"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			ids, offered := topIDs(t, ix, Query{Text: tt.text})
			if len(ids) == 0 || !slices.Contains(ids[:min(3, len(ids))], tt.want) {
				t.Errorf("%q: top 3 = %v, want %s among them", tt.text, ids, tt.want)
			}
			if !offered {
				t.Errorf("%q: not offered (neither confident nor tentative)", tt.text)
			}
		})
	}
}

// TestConfidence: requests the catalogue cannot answer are not dressed up
// as matches, not even as a question; the bot offers a person instead.
func TestConfidence(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	for _, text := range []string{"naprawa samochodu", "bilety do kina na sobotę", "jaka będzie pogoda jutro", "kurs prawa jazdy", "lekarz rodzinny", "pomoc", "mama", "asdf qwerty", ""} {
		if ids, offered := topIDs(t, ix, Query{Text: text}); offered {
			t.Errorf("%q: offered %v, want nothing", text, ids)
		}
	}
}

// TestFilters: the dialog's topic and audience narrow the results; a
// filter that leaves nothing fitting falls back to the whole catalogue.
func TestFilters(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	c, _ := catalog.Load("../data/sample.yaml")
	ids, _ := topIDs(t, ix, Query{Text: "pomoc w domu", Category: "niepelnosprawnosc", Limit: 10})
	if len(ids) == 0 {
		t.Fatal("no results with a category filter")
	}
	for _, id := range ids {
		if s, _ := c.ByID(id); s.Category != "niepelnosprawnosc" {
			t.Errorf("category filter let through %s (%s)", id, s.Category)
		}
	}
	ids, _ = topIDs(t, ix, Query{Text: "zajęcia", Audience: "seniorzy", Limit: 10})
	for _, id := range ids {
		if s, _ := c.ByID(id); !s.Serves("seniorzy") {
			t.Errorf("audience filter let through %s (%v)", id, s.Audience)
		}
	}
	// A resident on the seniors' topic who writes about debts.
	ids, offered := topIDs(t, ix, Query{Text: "komornik zajął mi konto, mam długi", Category: "seniorzy"})
	if !offered || len(ids) == 0 || ids[0] != "poradnictwo-zadluzeniowe" {
		t.Errorf("fallback from a category with nothing fitting: %v (offered %v)", ids, offered)
	}
}

// TestSearcherTranslates: the bot gets services in the resident's language.
func TestSearcherTranslates(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	var s bot.Searcher = ix
	res, err := s.Search(context.Background(), bot.SearchQuery{Text: "opiekunka", Lang: "uk"})
	if err != nil || len(res.Services) == 0 {
		t.Fatalf("search: %v, %v", res, err)
	}
	if got := res.Services[0]; got.ID != "uslugi-opiekuncze" || got.Name != "Послуги догляду вдома" || got.Provider.Phone == "" {
		t.Errorf("first service = %+v, want the Ukrainian name and the provider's phone", got)
	}
	res, _ = s.Search(context.Background(), bot.SearchQuery{Text: "opiekunka", Lang: "pl", Limit: 1})
	if len(res.Services) != 1 || res.Services[0].Name != "Usługi opiekuńcze w miejscu zamieszkania" {
		t.Errorf("Polish, limit 1: %+v", res.Services)
	}
}

func TestLightStems(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"opiekunka", "opiekunk"}, {"opiekunki", "opiekunk"}, {"opiekunke", "opiekunk"},
		{"mieszkanie", "mieszkan"}, {"mieszkaniem", "mieszkan"}, {"mieszkaniach", "mieszkan"},
		{"zasilek", "zasilk"}, {"zasilku", "zasilk"}, {"dodatek", "dodatk"}, {"dodatkow", "dodatk"},
		{"bezdomnosci", "bezdomnosc"}, {"dps", "dps"}, {"mama", "mama"},
	} {
		if got := stemPolishLight(tt.in); got != tt.want {
			t.Errorf("stemPolishLight(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"доглядальниця", "доглядальниц"}, {"доглядальницю", "доглядальниц"}, {"доглядальниці", "доглядальниц"},
	} {
		if got := stemUkrainian(tt.in); got != tt.want {
			t.Errorf("stemUkrainian(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSearchCache: a repeated search gets the same answer as the first, a
// caller changing its copy does not change the next answer, and the cache
// stays within its size.
func TestSearchCache(t *testing.T) {
	c, probs := catalog.Sample()
	if c == nil {
		t.Fatal(probs)
	}
	cached, err := New(Config{Catalog: c, CacheSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer cached.Close()
	plain, err := New(Config{Catalog: c, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	ctx := context.Background()
	queries := []bot.SearchQuery{
		{Text: "opiekunka dla mamy", Lang: "pl"}, {Text: "opiekunka dla mamy", Lang: "uk"},
		{Text: "mąż pije", Lang: "pl", Category: "uzaleznienia"}, {Text: "nie mam gdzie spać", Lang: "en", Limit: 1},
	}
	for round := range 6 { // each query twice in a row: a miss, then a hit
		for _, q := range queries {
			for range 2 {
				got, err := cached.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := plain.Search(ctx, q)
				if !slices.EqualFunc(got.Services, want.Services, func(a, b bot.Service) bool { return a == b }) || got.Confident != want.Confident {
					t.Fatalf("round %d, %+v: cached %+v, want %+v", round, q, got, want)
				}
				if len(got.Services) > 0 {
					got.Services[0].Name = "changed by the caller"
				}
			}
		}
	}
	if n := len(cached.results.entries); n != 2 {
		t.Errorf("the cache holds %d searches, want at most its size 2", n)
	}
}
