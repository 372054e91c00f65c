package bot

import (
	"regexp"
	"strings"
	"sync"
	"unicode"

	"okienko/bot/textnorm"
)

// ParsePhone accepts a phone number as residents type it ("501 234 567",
// "+48 501-234-567", "(22) 123 45 67", "+380 67 123 4567") and returns it in
// the form +48501234567. Polish numbers have 9 digits; a number with a
// country code may have 8 to 15.
func ParsePhone(s string) (string, bool) {
	var digits strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r == '+' && i == 0:
			plus = true
		case unicode.IsDigit(r) && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/':
		default:
			return "", false
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:]
	}
	switch {
	case plus && strings.HasPrefix(d, "48") && len(d) == 11:
		return "+" + d, true
	case plus && !strings.HasPrefix(d, "48") && len(d) >= 8 && len(d) <= 15:
		return "+" + d, true
	case !plus && len(d) == 9 && d[0] != '0':
		return "+48" + d, true
	}
	return "", false
}

// yesWords and noWords are the answers residents give to a yes/no question,
// folded, in Polish, Ukrainian, Russian and English.
var (
	yesWords = set("tak", "t", "ta", "takk", "tak tak", "jasne", "oczywiscie", "zgoda", "zgadzam", "ok", "okej", "dobrze", "chce", "poprosze", "prosze", "yes", "y", "yeah", "sure", "так", "да", "ага", "звісно", "згоден", "згодна")
	noWords  = set("nie", "n", "no", "nope", "niet", "ні", "нi", "нет", "не", "dziekuje nie", "nie dziekuje", "nie chce")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// ParseYesNo reads a yes/no answer and returns "tak" or "nie".
func ParseYesNo(s string) (string, bool) {
	norm := textnorm.Normalize(s)
	if norm == "" {
		return "", false
	}
	first := strings.Fields(norm)[0]
	switch {
	case noWords[norm] || noWords[first]:
		return "nie", true
	case yesWords[norm] || yesWords[first]:
		return "tak", true
	}
	return "", false
}

// patterns caches the regular expressions of expect: pattern steps.
var patterns sync.Map // string → *regexp.Regexp

func compiledPattern(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}
