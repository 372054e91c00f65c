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

// yesAnswers and noAnswers are whole answers to a yes/no question, folded,
// in Polish, Ukrainian, Russian and English. Only a whole answer counts:
// "nie jestem bezpieczna" or "no tak" must not be read as "no", and "nie
// wiem" is no answer at all — the step asks again.
var (
	yesAnswers = set("tak", "t", "ta", "tak tak", "no tak", "tak jest", "tak prosze", "tak poprosze", "jasne", "oczywiscie",
		"zgoda", "zgadzam sie", "ok", "okej", "dobrze", "chce", "poprosze", "prosze", "yes", "y", "yeah", "yes please", "sure",
		"так", "да", "ага", "звісно", "згоден", "згодна", "так будь ласка")
	noAnswers = set("nie", "n", "nie nie", "nope", "niet", "nie dziekuje", "dziekuje nie", "nie chce", "nie trzeba",
		"no thanks", "no thank you", "ні", "нi", "нет", "не", "ні дякую")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// ParseYesNoIn is ParseYesNo for a conversation in lang: in English a bare
// "no" is no (in Polish it often means "well, yes" and is asked again).
func ParseYesNoIn(s, lang string) (string, bool) {
	if lang == "en" && textnorm.Normalize(s) == "no" {
		return "nie", true
	}
	return ParseYesNo(s)
}

// ParseYesNo reads a yes/no answer and returns "tak" or "nie"; anything but
// a plain yes or no (ambiguous, conditional, "nie wiem") is not an answer.
func ParseYesNo(s string) (string, bool) {
	norm := textnorm.Normalize(s)
	switch {
	case norm == "":
		return "", false
	case yesAnswers[norm]:
		return "tak", true
	case noAnswers[norm]:
		return "nie", true
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
