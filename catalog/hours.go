package catalog

import (
	"strings"
	"unicode"
)

// hourWords are the words of opening hours as Polish catalogues write them
// ("pon.–pt. 8:00–16:00", "wt. i czw.", "całodobowo"), by language. Hours
// in this form need no translation from organizers: TranslateHours does it.
var hourWords = map[string]map[string]string{
	"en": {
		"pon": "Mon", "wt": "Tue", "śr": "Wed", "sr": "Wed", "czw": "Thu", "pt": "Fri", "sob": "Sat", "niedz": "Sun", "nd": "Sun",
		"i": "and", "całodobowo": "24 hours a day", "codziennie": "daily", "zapisy": "registration",
		"dyżur": "on duty", "oraz": "and",
	},
	"uk": {
		"pon": "пн", "wt": "вт", "śr": "ср", "sr": "ср", "czw": "чт", "pt": "пт", "sob": "сб", "niedz": "нд", "nd": "нд",
		"i": "і", "całodobowo": "цілодобово", "codziennie": "щодня", "zapisy": "запис",
		"dyżur": "чергування", "oraz": "і",
	},
}

// TranslateHours translates opening hours written with the usual Polish
// abbreviations into lang ("pon.–pt. 8:00–16:00" → "Mon–Fri 8:00–16:00").
// It reports false when the text holds other words (a note an organizer
// must translate): the caller then shows the Polish text, and `catalog
// check` asks for a translation.
func TranslateHours(hours, lang string) (string, bool) {
	words := hourWords[lang]
	if hours == "" || words == nil {
		return "", false
	}
	var b strings.Builder
	rs := []rune(hours)
	for i := 0; i < len(rs); {
		if !unicode.IsLetter(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && unicode.IsLetter(rs[j]) {
			j++
		}
		w := strings.ToLower(string(rs[i:j]))
		tr, ok := words[w]
		if !ok {
			return "", false
		}
		b.WriteString(tr)
		i = j
		if i < len(rs) && rs[i] == '.' { // the abbreviation's dot
			i++
		}
	}
	return b.String(), true
}
