package catalog

import (
	"strings"

	"okienko/bot/textnorm"
)

// Lexicon knows correctly spelled words, so that typo tolerance never
// turns a real word into another: "potrzebuję" (I need) is not a typo of
// "pogrzeb" (funeral), "śmieci" (rubbish) not one of "śmierci" (death).
// It holds the words of the catalogue's own texts, the thesaurus's whole
// words and everyday words residents write (commonWords).
type Lexicon struct {
	words map[string]bool
	stems map[string]bool
	stem  func(string) string
}

// NewLexicon builds a lexicon from texts (any language; folded). stem
// maps a folded word to the form its inflections share (a light stem:
// "potrzebuję" and "potrzebują" meet, "psycholok" and "psycholog" do
// not); nil keeps words whole.
func NewLexicon(stem func(string) string, texts ...string) *Lexicon {
	if stem == nil {
		stem = func(w string) string { return w }
	}
	l := &Lexicon{words: map[string]bool{}, stems: map[string]bool{}, stem: stem}
	l.Add(commonWords)
	for _, t := range texts {
		l.Add(t)
	}
	return l
}

// Add adds the words of text.
func (l *Lexicon) Add(text string) {
	for _, w := range textnorm.Words(text) {
		l.words[w] = true
		l.stems[l.stem(w)] = true
	}
}

// CatalogLexicon is the lexicon of a catalogue's texts (all languages)
// and everyday words.
func CatalogLexicon(c *Catalog, th *Thesaurus, stem func(string) string) *Lexicon {
	l := NewLexicon(stem)
	if c != nil {
		for _, s := range c.Services {
			l.Add(s.Name + " " + s.Summary + " " + s.Description + " " + strings.Join(s.Keywords, " ") + " " + s.Eligibility + " " + s.Cost + " " + s.HowToApply + " " + s.Documents)
			for _, t := range s.Translations {
				l.Add(t.Name + " " + t.Summary + " " + t.Description + " " + strings.Join(t.Keywords, " "))
			}
		}
	}
	_ = th // the thesaurus lists misspellings ("wuzek") on purpose: not a lexicon
	return l
}

// AddStems adds forms already stemmed (an index's vocabulary).
func (l *Lexicon) AddStems(stems []string) {
	for _, s := range stems {
		l.stems[s] = true
	}
}

// Known reports whether a folded word is a known word or an inflection
// of one (same stem).
func (l *Lexicon) Known(w string) bool {
	if l == nil {
		return false
	}
	return l.words[w] || l.stems[l.stem(w)]
}

// KnownOther reports whether w is a known word of another family than
// target: reading it as a typo of target would change its meaning.
// "chwilowek" is of the family of "chwilowk" (an inflection, fine);
// "potrzebuje" is not of "pogrzeb".
func (l *Lexicon) KnownOther(w, target string) bool {
	if !l.Known(w) {
		return false
	}
	return !sameFamily(l.stem(w), l.stem(target))
}

// sameFamily reports whether two stems are forms of one word: one begins
// the other, they differ by a mobile "e" (najem / najmu), or they share
// six letters (mieszkam / mieszkanie). "smiec" and "smierc", "plac" and
// "prac" are not.
func sameFamily(a, b string) bool {
	if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
		return true
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	if n >= 6 {
		return true
	}
	dropE := func(x, y string) bool { // x without one "e" at n is y's beginning
		return n < len(x) && x[n] == 'e' && (strings.HasPrefix(y, x[:n]+x[n+1:]) || strings.HasPrefix(x[:n]+x[n+1:], y))
	}
	return dropE(a, b) || dropE(b, a)
}

// commonWords are everyday words of residents' messages that sit one typo
// away from words the thesaurus or crisis patterns know. Add a word here
// when a test shows it read as another.
const commonWords = `potrzebuję potrzebuje potrzebujemy potrzebujesz potrzebna potrzebny potrzebne potrzeba
	śmieci smieci śmietnik odpady wywóz wywozi lekcje lekcjach lekcji odrabiać odrabianiu korepetycje
	paszport paszportu dowód dowodu osobisty wyrobić wyrobic podatek podatku podatki zeznanie
	pracownik pracownika pracownicy pracownica pracowniczka socjalny socjalnego socjalna skarga skargę skargi
	niegrzeczny niegrzeczna niemiły niemiła potraktowany potraktowana zażalenie reklamacja
	mieszkanie mieszkania mieszkaniu mieszkam mieszkamy wynajmuję wynajmuje czynsz czynszu
	dziecko dziecka dzieci dzieckiem dzieciom szkoła szkole szkoły nauczyciel nauczycielka
	kosztuje kosztować kosztuja godziny godzinach otwarte czynne dokumenty dokumentów zaświadczenie
	skorzystać skorzystac umówić umowic umówienia wniosek wniosku złożyć zlozyc zapisać zapisac
	przychodnia przychodni lekarz lekarza szpital szpitala apteka recepta recepty
	samochód samochodu parkowanie prawo jazdy rejestracja meldunek zameldowanie wymeldowanie
	emerytura emerytury renta renty zasiłek zasiłku bezrobotny bezrobotna urząd urzędu
	policja policji straż sąsiad sąsiadka sąsiedzi hałas hałasuje
	pomóc pomoc pomocy pomocą pomagać pomagam pomaga zrobić zrobic załatwić zalatwic
	chciałabym chciałbym chciałam chciałem prosić proszę pytanie pytam zapytać
	informacja informacji informacje kontakt telefon numer adres
	przenocować przenocowac przenocuję przenocuje nocować nocowac nocuję przespać wiedział wiedziała wiedzial wiedziala
	przestać przestac przestał przestała przestal przestala przyjść przyjsc przyjdę przyjde przyjdzie
	pojechać pojechac pojedzie pojechał pojechal pojechała pojechala
	potrzebujących potrzebujacych potrzebującym potrzebujacym potrzebujący potrzebujacy przegrał przegral przegrała przegrala
	przerasta przerosło przeroslo trawnik trawnika trawniku trzyma trzymam trzymać trzymac złamanie złamaniu złamania zlamanie zlamaniu zlamania
	need needs help please where when cost price apply documents appointment`
