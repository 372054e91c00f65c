// Package textnorm normalises what residents type so that matching does not
// depend on case, diacritics or punctuation: "Mąż PIJE!!" and "maz pije"
// become the same words.
package textnorm

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// polish maps the letters that Unicode decomposition leaves alone.
var polish = strings.NewReplacer("ł", "l", "Ł", "l", "ø", "o", "đ", "d", "ß", "ss")

// folded caches the folding of each non-ASCII rune met: the fast path of
// Fold, which runs on every word indexed and searched.
var (
	folded      sync.Map // rune → string
	foldedCount atomic.Int32
)

// maxFoldedRunes bounds the cache: residents' messages may hold any of a
// million code points.
const maxFoldedRunes = 4096

// Fold lower-cases s, removes diacritics (ą→a, ł→l, й→и stays Cyrillic but
// loses its breve) and returns it unchanged otherwise.
func Fold(s string) string {
	s = strings.ToLower(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if f, ok := folded.Load(r); ok {
			b.WriteString(f.(string))
			continue
		}
		f := foldSlow(string(r))
		if foldedCount.Load() < maxFoldedRunes {
			folded.Store(r, f)
			foldedCount.Add(1)
		}
		b.WriteString(f)
	}
	return b.String()
}

func foldSlow(s string) string {
	s = polish.Replace(s)
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
