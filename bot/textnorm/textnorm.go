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

// Memo remembers a function's answers for the texts of scripts (button
// labels, trigger phrases): a bounded set met on every message, unlike
// residents' own words, which must not be memoised (unbounded and
// personal). When full it stops remembering and just computes.
type Memo[T any] struct {
	fn    func(string) T
	limit int32
	m     sync.Map // string → T
	n     atomic.Int32
}

// NewMemo memoises fn for at most limit texts.
func NewMemo[T any](fn func(string) T, limit int) *Memo[T] {
	return &Memo[T]{fn: fn, limit: int32(limit)}
}

// Get returns fn(s), computed once per text while the memo has room. The
// answer is shared: callers must not modify it.
func (m *Memo[T]) Get(s string) T {
	if v, ok := m.m.Load(s); ok {
		return v.(T)
	}
	v := m.fn(s)
	if m.n.Load() < m.limit {
		if _, loaded := m.m.LoadOrStore(s, v); !loaded {
			m.n.Add(1)
		}
	}
	return v
}

// scriptNormal memoises Normalize for script texts.
var scriptNormal = NewMemo(Normalize, 8192)

// NormalizeScript is Normalize for texts of the dialog scripts (labels,
// choice ids), memoised: never pass it what a resident typed.
func NormalizeScript(s string) string { return scriptNormal.Get(s) }
