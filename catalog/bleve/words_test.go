package bleve

import (
	"context"
	"slices"
	"testing"

	"okienko/bot/textnorm"
)

// TestEverydayWordsAreNotOtherWords: everyday words one typo (or one
// missing letter) away from a thesaurus word, or another language's word
// spelled like a Polish one, are not read as that word: "o co chodzi" is
// no walker (chodzik), "przenocować" no violence (przemoc), English "rent"
// no disability pension (renta), "care at home" no care home.
func TestEverydayWordsAreNotOtherWords(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	lex := ix.lexicon()
	tests := []struct {
		text, notTerm string
	}{
		{"nie rozumiem o co chodzi", "wypożyczalnia sprzętu"},
		{"syn chce chodzić na basen", "wypożyczalnia sprzętu"},
		{"gdzie mogę przenocować", "przemoc domowa"},
		{"I cannot pay rent", "renta socjalna"},
		{"my father needs care at home", "dom pomocy społecznej"},
		{"na naszej ulicy brakuje ławek", "bezdomność"},
		{"potrzebujących rodzin jest dużo", "pogrzeb"},
		{"nie mogę przestać się martwić", "noclegownia"},
		{"kiedy przyjdzie moja emerytura", "seniorzy"},
		{"po złamaniu nogi", "interwencja kryzysowa"},
		{"kto skosi trawnik", "nieodpłatna pomoc prawna"},
		{"w zasadzie potrzebuję pomocy z rachunkami", "nieodpłatna pomoc prawna"}, // zasada, not zasądzić
		{"przydało się, dziękuję", "zgłoś potrzebę"},                              // it was useful: thanks, not a gap in the city's offer
		{"sąd odebrał mi dzieci", "telefon zaufania"},                             // Polish sąd (court), not English sad
		{"sąd", "wsparcie psychologiczne"},
		{"zmiana adresu w sprawie zasiłku", "meldunek"},                // a benefit's file, not the registry office
		{"mąż wraca wieczorem pijany i bije", "dzienny dom"},           // coming home in the evening is no day centre
		{"w domu nie ma nic do jedzenia dla dzieci", "zgłoś potrzebę"}, // no food, not a gap in the city's offer
		{"potrzebuję opiekunki dla mamy na cały dzień", "dzienny dom"}, // a carer for the whole day, not a day centre
		{"potrzebuję tłumacza ukraińskiego", "szkoła"},                 // Ukrainian alone is no school matter
	}
	for _, tt := range tests {
		for _, e := range ix.cfg.Thesaurus.ExpandFrom(textnorm.PhraseWords(tt.text), lex) {
			if e.Term == tt.notTerm {
				t.Errorf("%q was read as %q (from %v)", tt.text, tt.notTerm, e.From)
			}
		}
	}
}

// TestResidentsOwnWords: needs said the way residents say them, none of
// them in the development sets' words, find a right service among the
// first three: the thesaurus holds word families and everyday, regional,
// Ukrainian and English forms, not copies of test messages.
func TestResidentsOwnWords(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	tests := []struct {
		text   string
		accept []string
	}{
		{"przeprowadzam się, gdzie się przemeldować", []string{"ref-dowod-meldunek"}},
		{"pod wiaduktem leży jakiś człowiek, a na dworze mróz", []string{"streetworking"}},
		{"jestem trzeźwy od pół roku i szukam mityngu", []string{"grupy-aa-al-anon"}},
		{"kto zabiera duże meble spod bloku", []string{"ref-odpady"}},
		{"ile wynosi chorobowe gdy jestem na L4", []string{"ref-zus"}},
		{"nie stać mnie na pochówek taty", []string{"zasilek-celowy", "ref-zus"}},
		{"czy można zabrać dziecko z domu dziecka na święta", []string{"piecza-zastepcza"}},
		{"how do I get rid of an old mattress", []string{"ref-odpady"}},
		{"I need food, my kids are hungry", []string{"pomoc-zywnosciowa"}},
		{"mij cholovik mene b'ye", []string{"hostel-dla-osob-doznajacych-przemocy", "niebieska-karta", "osrodek-interwencji-kryzysowej"}},
		{"бабусю треба купати і годувати, хто може допомогти вдома", []string{"uslugi-opiekuncze"}},
		{"syn grozi, że się zabije", []string{"osrodek-interwencji-kryzysowej", "telefon-zaufania"}},
	}
	for _, tt := range tests {
		res, err := ix.Find(context.Background(), Query{Text: tt.text, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Service.ID)
		}
		if !slices.ContainsFunc(got, func(id string) bool { return slices.Contains(tt.accept, id) }) {
			t.Errorf("%q: first three %v, want one of %v", tt.text, got, tt.accept)
		}
		if res.Confident && !slices.Contains(tt.accept, got[0]) {
			t.Errorf("%q: confident with %s, want one of %v", tt.text, got[0], tt.accept)
		}
	}
}
