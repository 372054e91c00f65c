// Package textnorm normalises what residents type so that matching does not
// depend on case, diacritics or punctuation: "Mąż PIJE!!" and "maz pije"
// become the same words.
package textnorm

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// polish maps the letters that Unicode decomposition leaves alone.
var polish = strings.NewReplacer("ł", "l", "Ł", "l", "ø", "o", "đ", "d", "ß", "ss")

// Fold lower-cases s, removes diacritics (ą→a, ł→l, й→и stays Cyrillic but
// loses its breve) and returns it unchanged otherwise.
func Fold(s string) string {
	s = polish.Replace(strings.ToLower(s))
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// Words folds s and splits it into words of letters and digits; everything
// else separates words.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// Normalize folds s and joins its words with single spaces.
func Normalize(s string) string {
	return strings.Join(Words(s), " ")
}
