package bleve

import (
	"sync"

	"okienko/bot/textnorm"
	"okienko/catalog"
)

// lazyLexicon builds the index's lexicon on the first search, so that
// building an index (and a reload) costs no more than before.
type lazyLexicon struct {
	once sync.Once
	lex  *catalog.Lexicon
}

// lexicon knows the correctly spelled words of the catalogue, the
// thesaurus and everyday speech: typo tolerance never turns one of them
// into another word.
func (ix *Index) lexicon() *catalog.Lexicon {
	ix.lex.once.Do(func() {
		// The light-stemmed fields already hold every word of the
		// catalogue's names, keywords, summaries and descriptions.
		l := catalog.NewLexicon(lightForm)
		for _, f := range []string{fHead + lightSuffix, fSummary + lightSuffix, fDescription + lightSuffix} {
			if v := ix.vocab[f]; v != nil {
				l.AddStems(v.sorted)
			}
		}
		ix.lex.lex = l
	})
	return ix.lex.lex
}

// questionWords ask about a service ("ile", "gdzie", "how much") and never
// decide which one fits: they are not searched and do not count against
// confidence (folded; Polish, English, Ukrainian).
var questionWords = map[string]bool{}

func init() {
	for _, w := range textnorm.Words(`ile kosztuje kosztuja kosztowac kosztowalo dziala dzialaja mozna moge mozemy trzeba
		jakie jakich jaka jakiej jakim ktorej ktorych czym gdzie kiedy jak czy kto co prosze pytanie
		how what where when who which does much can could do is are there
		dostac dostane otrzymac skorzystac zalatwic zrobic wyrobic zlozyc zapisac zglosic chce chcialbym chcialabym
		скільки де коли як що хто чи можна будь ласка`) {
		questionWords[w] = true
	}
}

// warm builds the lexicon and the service names in the background right
// after the index, so that the first resident's search does not wait for
// them (names take about 0.2 s for 5,000 services). Both read only plain
// maps of the index, so this is safe after Close too.
func (ix *Index) warm() {
	ix.lexicon()
	ix.names()
}
