package bleve

import (
	"strings"

	"okienko/bot/textnorm"
)

// A long story names several things; the resident's main need decides
// the search, not the first nouns. "Mama ma demencję, potrzebuje
// opiekunki codziennie, słyszałam też o dofinansowaniu do łazienki" asks
// for home care; the grant is mentioned by the way.

// sideMarkers mark a clause said by the way (folded).
var sideMarkers = []string{"tez", "rowniez", "takze", "ewentualnie", "przy okazji", "poza tym", "slyszalam", "slyszalem", "czytalam", "czytalem", "also", "as well", "btw"}

// mainNeed splits text into its main need and what it mentions by the way
// (clauses with a side marker). When every clause is said by the way, all
// of it is the main need.
func mainNeed(text string) (main, side string) {
	clauses := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(".,;!?\n", r) })
	if len(clauses) < 2 {
		return text, ""
	}
	var m, s []string
	for _, c := range clauses {
		if bySide(c) {
			s = append(s, c)
		} else {
			m = append(m, c)
		}
	}
	if len(m) == 0 || len(s) == 0 {
		return text, ""
	}
	return strings.Join(m, ", "), strings.Join(s, ", ")
}

func bySide(clause string) bool {
	padded := " " + textnorm.Normalize(clause) + " "
	for _, mk := range sideMarkers {
		if strings.Contains(padded, " "+mk+" ") {
			return true
		}
	}
	return false
}
