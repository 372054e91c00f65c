package needs

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"okienko/bot/textnorm"
)

// What Redact puts in place of what it removes. They are in square
// brackets, which residents rarely type, and Redact leaves them alone, so
// that redacting twice changes nothing.
const (
	PlaceholderPhone   = "[telefon]"
	PlaceholderEmail   = "[e-mail]"
	PlaceholderPESEL   = "[PESEL]"
	PlaceholderAccount = "[konto]"
	PlaceholderNumber  = "[numer]"
	PlaceholderName    = "[imię]"
	PlaceholderAddress = "[adres]"
	PlaceholderLink    = "[link]"
	PlaceholderLogin   = "[login]"
)

var placeholders = map[string]bool{
	PlaceholderPhone: true, PlaceholderEmail: true, PlaceholderPESEL: true, PlaceholderAccount: true,
	PlaceholderNumber: true, PlaceholderName: true, PlaceholderAddress: true, PlaceholderLink: true, PlaceholderLogin: true,
}

var (
	linkPattern  = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s]+`)
	emailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)
	loginPattern = regexp.MustCompile(`(^|[\s(])@[\p{L}\p{N}_.]{3,}`)
	ibanPattern  = regexp.MustCompile(`(?i)\b[A-Z]{2}\s?\d{2}(?:[ \-]?\d{4}){4,7}(?:[ \-]?\d{1,4})?\b`)
)

// Redact removes from a resident's words what could identify them, before
// anything is kept for statistics:
//
//   - links, e-mail addresses and @logins; logins written without "@"
//     (words with "_", letters followed by digits such as "gosia1978",
//     dotted lower-case words such as "jan.kowal88", and the word after
//     "skype:", "mój nick to" …);
//   - account numbers (IBAN, "PL61 1090 …");
//   - names after the phrases that introduce them: "nazywam się",
//     "mam na imię", "moje imię to", "imię i nazwisko", "my name is",
//     "мене звати", "меня зовут" (whatever the case, with or without
//     diacritics), and after "jestem", "I am", "tu", "z tej strony",
//     "pan", "pani" when the next word is capitalised or a common first
//     name ("jestem sama", "jestem Polką" stay); a surname right after a
//     removed first name ("jan kowalski");
//   - every capitalised word inside a sentence (names and surnames in any
//     language, streets without "ul.": "przy Kwiatowej 7/3"), except the
//     words known not to be names (institutions, places, holidays,
//     languages, illnesses named after people, polite pronouns); at the
//     start of a sentence, where every word has a capital, a common first
//     name (Polish, Ukrainian, English), a diminutive ("Piotruś",
//     "Kasieńka", "Тарасик") or a name before a surname;
//   - street addresses after "ul.", "ulica", "al.", "os.", "plac", "вул.":
//     the street's words and the house number; a house number after a
//     removed word, and a flat number after it ("5 m. 3", "flat 9");
//   - every run of three or more digits, with or without spaces, dashes,
//     dots, slashes or brackets between them: phone numbers (Polish and
//     foreign), PESEL, account and card numbers, dates, amounts. Numbers
//     of one or two digits stay — ages, numbers of children, "3 razy" —
//     as do the benefit names "500+", "800+" ("800 plus").
//
// Whitespace is collapsed to single spaces. Redact never fails and
// redacting its result again changes nothing. It cannot know every name:
// a name written without a capital and without an introducing phrase
// stays. A text with nearly every word capitalised is read as if its
// capitals said nothing.
func Redact(text string) string {
	// Some rules look at a word's neighbours (a capital in a text of
	// capitals, a surname after a name), which a pass may replace: run
	// until nothing changes, so that redacting the result changes nothing.
	for range 4 {
		next := redactOnce(text)
		if next == text {
			break
		}
		text = next
	}
	return text
}

// redactOnce is one pass of Redact's rules.
func redactOnce(text string) string {
	text = strings.Join(strings.Fields(text), " ") // every space, tab or line break one space
	// The patterns run only where they can match: most queries hold no
	// link, no "@" and few digits.
	if strings.Contains(text, "//") || strings.Contains(strings.ToLower(text), "www.") {
		text = linkPattern.ReplaceAllString(text, PlaceholderLink)
	}
	if strings.Contains(text, "@") {
		text = emailPattern.ReplaceAllString(text, PlaceholderEmail)
		text = loginPattern.ReplaceAllString(text, "${1}"+PlaceholderLogin)
	}
	if strings.Count(text, "")-1 >= 20 && countDigits(text) >= 16 {
		text = ibanPattern.ReplaceAllString(text, PlaceholderAccount)
	}
	// Numbers before words: a name glued to digits ("501234567Anna")
	// stands alone once they are gone, and is found in this pass.
	text = redactLogins(text)
	text = redactNumbers(text)
	text = redactWords(text)
	return strings.Join(strings.Fields(text), " ")
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// token is one word of the text with its place.
type token struct {
	start, end int
	text       string
	fold       string
	holder     bool // a placeholder
}

// tokenize splits text into words: letters, digits and the apostrophes,
// hyphens and slashes inside them; placeholders are whole tokens.
func tokenize(text string) []token {
	var out []token
	inWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
	}
	joiner := func(r rune) bool { return strings.ContainsRune("'’ʼ-/", r) }
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '[' {
			if end := strings.IndexByte(text[i:], ']'); end > 0 && placeholders[text[i:i+end+1]] {
				out = append(out, token{start: i, end: i + end + 1, text: text[i : i+end+1], holder: true})
				i += end + 1
				continue
			}
		}
		if !inWord(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if inWord(r2) {
				j += s2
				continue
			}
			if joiner(r2) && j+s2 < len(text) {
				if r3, _ := utf8.DecodeRuneInString(text[j+s2:]); inWord(r3) {
					j += s2
					continue
				}
			}
			break
		}
		out = append(out, token{start: i, end: j, text: text[i:j], fold: foldWord(text[i:j])})
		i = j
	}
	return out
}

// foldWord folds a word and unifies its apostrophes ("ім’я", "ім'я").
func foldWord(w string) string { return apostrophes.Replace(textnorm.Fold(w)) }

var apostrophes = strings.NewReplacer("’", "'", "ʼ", "'")

// How sure a phrase is that a name follows it.
type introStrength int

const (
	// introAlways: the next word is a name ("nazywam się ...").
	introAlways introStrength = iota
	// introCapital: the next word is a name if capitalised or a common
	// first name ("jestem Anna", but "jestem sama").
	introCapital
	// introKnown: only a common first name ("я Олена").
	introKnown
	// introTitle: a capitalised word in any case ("z panią Nowakowską").
	introTitle
)

type intro struct {
	words    []string // folded
	strength introStrength
}

var nameIntros = func() []intro {
	var out []intro
	add := func(s introStrength, phrases ...string) {
		for _, p := range phrases {
			out = append(out, intro{words: strings.Fields(foldWord(p)), strength: s})
		}
	}
	add(introAlways, "nazywam się", "mam na imię", "na imię mam", "moje imię to", "moje imię", "imię i nazwisko",
		"moje nazwisko to", "moje nazwisko", "nazwisko", "my name is", "my name's", "мене звати", "моє ім'я",
		"мене кличуть", "меня зовут", "моё имя", "мое имя", "моє прізвище", "прізвище")
	add(introCapital, "jestem", "tu", "z tej strony", "i am", "i'm", "це")
	add(introTitle, "pan", "pani", "pana", "panią", "panu", "panem", "mr", "mrs", "ms", "пан", "пані")
	add(introKnown, "я")
	return out
}()

// introsByFirst finds the phrases that may start at a word.
var introsByFirst = func() map[string][]intro {
	m := map[string][]intro{}
	for _, in := range nameIntros {
		m[in.words[0]] = append(m[in.words[0]], in)
	}
	return m
}()

// firstNames are common Polish and Ukrainian first names (folded): such a
// word written with a capital is taken for a name anywhere.
var firstNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(firstNameList + moreFirstNames) {
		m[foldWord(n)] = true
	}
	return m
}()

// firstNameList are common Polish and Ukrainian first names.
const firstNameList = `
		anna maria katarzyna małgorzata agnieszka krystyna barbara ewa elżbieta zofia janina teresa joanna
		magdalena monika jadwiga danuta irena halina helena beata aleksandra marta dorota marianna grażyna
		jolanta stanisława iwona karolina bożena urszula justyna renata alicja paulina sylwia natalia wanda
		agata aneta izabela ewelina marzena wiesława genowefa patrycja kazimiera edyta stefania julia weronika
		wiktoria zuzanna oliwia lena amelia hanna alina lucyna regina kinga emilia kasia basia gosia asia
		ania zosia marysia ola jan piotr krzysztof andrzej tomasz paweł józef marcin marek michał grzegorz
		jerzy tadeusz adam łukasz zbigniew ryszard dariusz henryk mariusz kazimierz wojciech robert mateusz
		marian rafał jacek janusz mirosław maciej sławomir jarosław kamil wiesław roman władysław jakub artur
		zdzisław edward mieczysław damian dawid przemysław sebastian czesław leszek daniel waldemar stanisław
		szymon antoni filip franciszek kacper bartosz patryk karol igor oskar wiktor kuba bartek tomek wojtek
		олена оксана наталія наталя тетяна ірина світлана юлія марія анна ольга людмила галина катерина
		вікторія валентина ніна надія віра софія дарина андрій олександр сергій володимир іван микола
		дмитро олег юрій віктор василь петро богдан тарас максим павло роман михайло ігор артем денис`

// notNames are words residents write after "jestem" or "I am" with a
// capital that are not names (folded).
var notNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`polka polak ukrainka ukrainiec białorusinka białorusin emerytka emeryt
		rencistka rencista mama matka ojciec tata wdowa wdowiec sama sam samotna samotny chora chory
		bezdomna bezdomny osoba opiekunka opiekun babcia dziadek córka syn żona mąż w z na po
		ukrainian polish belarusian russian english pregnant alone homeless disabled ill sick a an the not
		українка українець мама тато сама сам вагітна`) {
		m[foldWord(w)] = true
	}
	return m
}()

// surnameEndings mark the word after a first name as a surname (folded).
var surnameEndings = strings.Fields(foldWord(`ski ska cki cka dzki dzka wicz icz czyk czak iak ak uk yk ko
	owa ewa ny na ska ński ńska ський ська цький цька енко ук юк ич ов ова ев ева ін іна ин ина`))

var addressMarkers = map[string]bool{
	"ul": true, "ulica": true, "ulicy": true, "ulice": true, "ulicę": true, "al": true, "aleja": true, "alei": true,
	"aleje": true, "os": true, "osiedle": true, "osiedlu": true, "plac": true, "placu": true, "вул": true,
	"вулиця": true, "вулиці": true, "street": true,
}

// redactWords replaces names and street addresses.
func redactWords(text string) string {
	toks := tokenize(text)
	cut := make([]bool, len(toks)) // tokens to replace
	kind := make([]string, len(toks))
	mark := func(i int, placeholder string) {
		cut[i], kind[i] = true, placeholder
	}
	// separated reports punctuation between tokens i and i+1, which ends a
	// name or an address.
	separated := func(i int) bool {
		if i+1 >= len(toks) {
			return true // the text ends
		}
		return strings.ContainsAny(text[toks[i].end:toks[i+1].start], ",.;:!?()\n\"«»„”")
	}
	titleCase := mostlyCapitalised(toks)
	for i := 0; i < len(toks); i++ {
		if toks[i].holder {
			continue
		}
		// Street addresses: the marker stays, what follows goes.
		if m := strings.ToLower(toks[i].text); addressMarkers[m] && i+1 < len(toks) {
			first, gap := toks[i+1], text[toks[i].end:toks[i+1].start]
			var street bool
			if utf8.RuneCountInString(m) <= 3 { // "ul.", "al.", "os.", "вул."
				street = strings.HasPrefix(gap, ".") || strings.TrimSpace(gap) == ""
			} else { // "ulica": a street's name follows, not "mieszkam na ulicy od roku"
				street = !separated(i) && (capitalised(first.text) || houseNumber(first.text) ||
					i+2 < len(toks) && !separated(i+1) && houseNumber(toks[i+2].text))
			}
			if street {
				j := i + 1
				for n := 0; j < len(toks) && n < 5 && !toks[j].holder; n++ {
					if n > 0 && (separated(j-1) && !houseNumber(toks[j].text) || !(capitalised(toks[j].text) || houseNumber(toks[j].text) || roman(toks[j].text))) {
						break
					}
					mark(j, PlaceholderAddress)
					j++
				}
				i = j - 1
				continue
			}
		}
		// Names after the phrases that introduce them.
		if in, n := matchIntro(toks, i, separated); n > 0 && i+n < len(toks) {
			j := i + n
			if takeName(toks[j], in.strength) {
				mark(j, PlaceholderName)
				i = markSurnames(toks, j, separated, mark)
				continue
			}
		}
		// A capitalised word: in the middle of a sentence, anything but
		// the words known not to be names (institutions, places…); at
		// its start, where every word is capitalised, a common first
		// name, a diminutive, or a name followed by a surname.
		// A street known by another word ("z Kościelnej 1", "na Pocztowej 3").
		if t := toks[i]; capitalised(t.text) && i > 0 && addressPreps[toks[i-1].fold] && i+1 < len(toks) &&
			!separated(i) && houseNumber(toks[i+1].text) && !toks[i+1].holder && !ageWord(toks, i+2) {
			mark(i, PlaceholderAddress)
			continue // its number goes with it (markAddressNumbers)
		}
		if t := toks[i]; capitalised(t.text) && !commonCapital(t) {
			var name bool
			if sentenceStart(text, toks, i) || titleCase {
				next := i+1 < len(toks) && !separated(i) && !toks[i+1].holder && capitalised(toks[i+1].text) && !commonCapital(toks[i+1])
				name = isFirstName(t) || diminutive(t) || next && surnameLike(toks[i+1].fold)
			} else {
				name = true
			}
			if name {
				placeholder := PlaceholderName
				if i > 0 && addressPreps[toks[i-1].fold] && !isFirstName(t) {
					placeholder = PlaceholderAddress
				}
				mark(i, placeholder)
				i = markSurnames(toks, i, separated, func(j int, p string) { mark(j, placeholder) })
			}
		}
	}
	markAddressNumbers(text, toks, cut, kind, separated)
	var b strings.Builder
	last := 0
	for i := 0; i < len(toks); i++ {
		if !cut[i] {
			continue
		}
		j := i
		for j+1 < len(toks) && cut[j+1] && kind[j+1] == kind[i] && strings.TrimSpace(text[toks[j].end:toks[j+1].start]) == "" {
			j++
		}
		b.WriteString(text[last:toks[i].start])
		b.WriteString(kind[i])
		last = toks[j].end
		i = j
	}
	b.WriteString(text[last:])
	return b.String()
}

// matchIntro finds the longest name-introducing phrase starting at toks[i];
// n is its length in tokens.
func matchIntro(toks []token, i int, separated func(int) bool) (intro, int) {
	var best intro
	n := 0
	for _, in := range introsByFirst[toks[i].fold] {
		if len(in.words) <= n || i+len(in.words) > len(toks) {
			continue
		}
		ok := true
		for k, w := range in.words {
			if toks[i+k].fold != w || (k > 0 && separated(i+k-1)) {
				ok = false
				break
			}
		}
		if ok {
			best, n = in, len(in.words)
		}
	}
	if n > 0 && separated(i+n-1) && best.strength != introAlways {
		return intro{}, 0 // "jestem. Anna ..." is not an introduction
	}
	return best, n
}

// takeName decides whether the word after an introduction is a name.
func takeName(t token, s introStrength) bool {
	if t.holder || notNames[t.fold] {
		return false
	}
	switch s {
	case introAlways:
		return true
	case introTitle:
		return capitalised(t.text) && !commonCapital(t) || firstNames[t.fold]
	case introCapital:
		if firstNames[t.fold] {
			return true
		}
		// A capital, but not the instrumental case of a noun ("Polką",
		// "emerytem") nor an acronym ("MOPS").
		return capitalised(t.text) && !strings.HasSuffix(t.text, "ą") && !strings.HasSuffix(t.text, "em") &&
			!strings.HasSuffix(t.text, "ym") && !strings.HasSuffix(t.text, "im")
	}
	return firstNames[t.fold]
}

// markSurnames marks up to two words after the name at toks[i] that look
// like more of it (capitalised, a surname's ending, another first name),
// and returns the index of the last word marked.
func markSurnames(toks []token, i int, separated func(int) bool, mark func(int, string)) int {
	for n := 0; n < 2 && i+1 < len(toks) && !separated(i) && !toks[i+1].holder; n++ {
		t := toks[i+1]
		if notNames[t.fold] || !(capitalised(t.text) || firstNames[t.fold] || surnameLike(t.fold)) {
			break
		}
		i++
		mark(i, PlaceholderName)
	}
	return i
}

func surnameLike(w string) bool {
	if utf8.RuneCountInString(w) < 5 {
		return false
	}
	for _, e := range surnameEndings {
		if strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// capitalised: an upper-case first letter followed by lower case (not an
// acronym such as "MOPS").
func capitalised(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return false
	}
	rest := w[size:]
	return rest == "" || strings.IndexFunc(rest, unicode.IsLower) >= 0
}

// roman: a Roman numeral in a street's name ("Jana Pawła II").
func roman(w string) bool {
	return w != "" && strings.Trim(w, "IVXL") == ""
}

// houseNumber: "5", "12a", "5/3", "7-9".
func houseNumber(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsDigit(r)
}

// redactNumbers replaces every run of three or more digits (with the
// separators phone numbers and accounts are written with) by a
// placeholder saying what it probably was.
func redactNumbers(text string) string {
	var b strings.Builder
	i := 0
	for i < len(text) {
		start, end, digits, plus := nextNumber(text, i)
		if start < 0 {
			break
		}
		b.WriteString(text[i:start])
		b.WriteString(numberPlaceholder(text, start, end, digits, plus))
		i = end
	}
	b.WriteString(text[i:])
	return b.String()
}

// nextNumber finds the next run of digits from i: [start, end), its count
// of digits, and whether it began with "+".
func nextNumber(text string, i int) (start, end, digits int, plus bool) {
	isDigit := func(k int) bool { return k < len(text) && text[k] >= '0' && text[k] <= '9' }
	for k := i; k < len(text); k++ {
		if !isDigit(k) {
			continue
		}
		start = k
		if k > 0 && text[k-1] == '+' && (k < 2 || !isDigit(k-2)) { // not the "+" of "800+"
			start, plus = k-1, true
		} else if k > 0 && text[k-1] == '(' {
			start = k - 1
		}
		j := k
		for j < len(text) {
			if isDigit(j) {
				digits++
				j++
				continue
			}
			// Separators inside a number: up to three of " -./()", or a
			// comma right before a digit.
			s := j
			for s < len(text) && s-j < 3 && strings.IndexByte(" -./()", text[s]) >= 0 {
				s++
			}
			if s > j && isDigit(s) {
				j = s
				continue
			}
			if text[j] == ',' && isDigit(j+1) {
				j++
				continue
			}
			break
		}
		if j < len(text) && text[j] == ')' && start < k {
			j++
		}
		return start, j, digits, plus
	}
	return -1, -1, 0, false
}

// numberPlaceholder says what a run of digits was; short numbers and
// benefit names ("800+") stay as written.
func numberPlaceholder(text string, start, end, digits int, plus bool) string {
	raw := text[start:end]
	if digits <= 2 {
		return raw
	}
	rest := strings.ToLower(strings.TrimLeft(text[end:], " "))
	benefit := strings.HasPrefix(rest, "plus") || // "500 plus"; "800+", but not the "+" of "+48 …"
		strings.HasPrefix(rest, "+") && (len(rest) == 1 || rest[1] < '0' || rest[1] > '9')
	if digits == 3 && !strings.ContainsAny(raw, " -./()") && benefit {
		return raw // "800+", "500 plus"
	}
	separators := strings.ContainsAny(strings.TrimSpace(raw), " -.()")
	switch {
	case digits == 11 && !plus && !separators:
		return PlaceholderPESEL
	case digits >= 20:
		return PlaceholderAccount
	case plus && digits >= 9 && digits <= 15, digits >= 9 && digits <= 13 && separators, digits == 9:
		return PlaceholderPhone
	}
	return PlaceholderNumber
}
