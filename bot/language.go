package bot

import (
	"strings"
	"unicode"

	"okienko/bot/script"
	"okienko/bot/textnorm"
)

// LanguageOf maps a language tag — Telegram's language_code, a browser's
// Accept-Language entry, a ?lang= parameter ("uk-UA", "ru", "en_GB") — to
// a language the bot speaks (pl, uk, en), or "" when none fits. Russian
// and Belarusian readers get Ukrainian. The engine, the Telegram channel
// and the web chat all map tags with it.
func LanguageOf(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	primary, _, _ := strings.Cut(tag, "-")
	primary, _, _ = strings.Cut(primary, "_")
	switch primary {
	case "pl":
		return script.Polish
	case "uk", "ru", "be":
		return script.Ukrainian
	case "en":
		return script.English
	}
	return ""
}

// normalizeLang maps a channel's language hint to a supported language,
// Polish when none fits.
func normalizeLang(code string) string {
	if l := LanguageOf(code); l != "" {
		return l
	}
	return script.Polish
}

// DetectLanguage tells the language of a resident's first message: pl,
// uk or en, or "" when it cannot tell (a word or two that could be
// either, "SOS", "800 plus"). Cyrillic is Ukrainian; Latin text is
// English when it has English words and neither Polish letters nor
// Polish words.
func DetectLanguage(text string) string {
	if cyrillic(text) {
		return script.Ukrainian
	}
	for _, r := range text {
		if strings.ContainsRune("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", r) {
			return script.Polish
		}
	}
	en, pl := 0, 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if englishWords[w] {
			en++
		}
		if polishWords[w] {
			pl++
		}
	}
	switch {
	case en > pl:
		return script.English
	case pl > en:
		return script.Polish
	}
	return ""
}

// englishWords and polishWords are frequent words of residents' first
// messages that the other language does not use.
var englishWords, polishWords = set(strings.Fields(`i'm my me we our you your he she it they the an is are am was were be been
	have has had does did can could would should need needs want wants help please hello hi hey good morning evening
	with for from of in at about where when what how who which there here this that and or but not no yes
	lost job pay rent food find place sleep tonight father mother husband wife son daughter child children
	elderly old care home stroke lawyer advice debt debts bills drinks drink learn polish english residence permit city`)...),
	set(strings.Fields(`i w na do dla z ze nie jest mam ma mamy jestem sie się po od co jak czy ktory który moja moj mój mama tata
	pomoc pomocy potrzebuje potrzebuję szukam dzien dzień dobry prosze proszę opieka opieki opiekunka zasilek zasiłek
	mieszkanie dziecko dzieci syn corka córka maz mąż zona żona lat sama sam domu dom babcia dziadek`)...)

// languageRequests are messages asking for another language, by language.
var languageRequests = map[string][]string{
	script.English:   {"in english", "english please", "speak english", "answer in english", "write in english", "po angielsku", "angielski", "english"},
	script.Ukrainian: {"українською", "по українськи", "українська", "ukrainian", "po ukrainsku|ukraińsku", "na ukrainski|ukraiński", "по украински|українськи", "українською мовою"},
	script.Polish:    {"po polsku", "polski", "in polish", "polish please", "польською", "по польськи"},
}

// compiledLanguageRequest is one entry of languageRequests, compiled once.
type compiledLanguageRequest struct {
	lang   string
	phrase textnorm.Phrase
	// words are the folded spellings of a request of one word (a
	// language's name), which must stand (nearly) alone; nil for phrases.
	words []string
}

// compiledLanguageRequests are languageRequests in the order they are
// tried: English, Ukrainian, Polish.
var compiledLanguageRequests = func() []compiledLanguageRequest {
	var out []compiledLanguageRequest
	for _, lang := range []string{script.English, script.Ukrainian, script.Polish} {
		for _, p := range languageRequests[lang] {
			ph, err := textnorm.CompilePhrase(p)
			if err != nil {
				panic("language request " + p + ": " + err.Error())
			}
			r := compiledLanguageRequest{lang: lang, phrase: ph}
			if !strings.Contains(p, " ") {
				for _, a := range strings.Split(p, "|") {
					r.words = append(r.words, textnorm.Fold(a))
				}
			}
			out = append(out, r)
		}
	}
	return out
}()

// maxLanguageRequestWords: a request to switch is short ("can you answer
// in English?"); a long message naming a language is a description.
const maxLanguageRequestWords = 7

// languageRequest returns the language a short message asks the bot to
// speak, or "".
func languageRequest(text string) string {
	words := textnorm.PhraseWords(text)
	if len(words) == 0 || len(words) > maxLanguageRequestWords {
		return ""
	}
	for _, r := range compiledLanguageRequests {
		if r.words != nil {
			// A language's name alone ("English", "українською") asks
			// for it only as (nearly) the whole message, spelled out:
			// "kursy języka polskiego" is a need, not a request.
			if len(words) <= 3 && wordIn(r.words, words) {
				return r.lang
			}
			continue
		}
		if r.phrase.In(words) {
			return r.lang
		}
	}
	return ""
}

// wordIn reports whether one of the folded spellings is among words, exactly.
func wordIn(spellings, words []string) bool {
	for _, a := range spellings {
		for _, w := range words {
			if w == a {
				return true
			}
		}
	}
	return false
}

// switchLanguage answers a request for another language: the conversation
// goes on in it, at the question it waits on.
func (c *conversation) switchLanguage(lang string) {
	c.s.Lang = lang
	c.s.setVar("lang", lang)
	c.say(c.message("language_switched"))
	if st := c.current(); st != nil {
		c.ask(c.text(st.Ask), c.choices(st))
		return
	}
	c.enter(c.flow.sc.Start)
}

// languageMenu reports whether the conversation waits at a step whose
// buttons choose the language: a language named there answers it.
func (c *conversation) languageMenu() bool {
	st := c.current()
	if st == nil {
		return false
	}
	for _, ch := range st.Choices {
		if _, ok := ch.Set["lang"]; ok {
			return true
		}
	}
	return false
}
