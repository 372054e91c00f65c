package needs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The word lists and rules Redact uses beyond the phrases that introduce a
// name: common first names and their diminutives (Polish, Ukrainian,
// English), diminutive endings, the capitalised words residents write that
// are not names (institutions, places, holidays, illnesses named after
// people), and the words that mark a login or a flat number.

// moreFirstNames extend firstNames: diminutives and the names of
// Ukrainian and English speakers (in their own scripts and in Latin).
const moreFirstNames = `
	tomek darek jurek zenek bartek wojtek józek mirek władek krzysiek rysiek zbyszek staszek maciek wiesiek
	heniek franek antek janek adaś jaś jasiu staś staszek piotrek marcinek michałek kubuś tadzio zdzisiek zdzisio
	edek felek gienek kazik romek rysio stefek tadek wicek witek sławek grzesiek grześ przemek radek
	bogdan bogusław bronisław leon ludwik cezary emil eugeniusz feliks hubert ignacy julian konrad krystian
	lech lucjan norbert oliwer remigiusz stefan tymon tymoteusz zenon zygmunt aleks olek alan borys dominik
	fabian gabriel hieronim jędrzej kajetan kornel ksawery marceli miłosz natan nikodem olaf tobiasz witold
	wincenty seba sebek arek irek jarek kuba kubuś tymek tymuś szymek szymuś filipek adaś stasiu wituś
	bogusia halinka hania hanka jadzia kasia krysia marysia ela elka ewka gosia iwonka jola jolka basia
	bożenka danusia danka dorotka ula ulka wiesia zosia zuzia tosia lenka madzia magda monia natalka anka
	agatka aga olka oleńka stasia władzia wandzia genia gienia irenka tereska justynka martusia kamilka
	julka julcia wika adrianna aurelia bogumiła bronisława celina czesława daria dominika eliza felicja
	gabriela henryka honorata ilona jagoda klara kornelia laura lidia liliana malwina milena nadia nina
	olga pola roksana sabina sandra tamara wioletta władysława zdzisława zenona żaneta blanka nela iga
	michalina antonina leokadia apolonia bernadeta cecylia ludmiła maryla waleria kasieńka basieńka
	zosieńka hanusia kamilek zuzanka oliwka lilka marzenka bogusia gabrysia gabryś jagódka
	оля олечка наталка таня тетянка іра світланка юля марійка маруся галя галинка люда людочка катя
	катруся даринка даша соломія соломійка богдана христина мирослава владислава ярослава анастасія
	настя лілія софійка аліна ангеліна поліна уляна зоряна леся лариса раїса зінаїда віталій віталік
	владислав ярослав станіслав олексій льоша євген женя вадим костянтин костя антон назар остап орест
	ілля кирило матвій тимофій гліб данило данилко дмитрик сашко саша василько вася петрик тарасик
	максимко андрійко миколка іванко юрко степан григорій федір семен яків захар марко леонід анатолій
	валерій геннадій руслан святослав надійка надя оксанка ганна ганнуся марина вероніка олеся яна
	ксенія ірина наташа сергей алексей дмитрий андрей
	olena oksana nataliya natalia tetiana tetyana iryna svitlana yulia yuliia mariia olha olga lyudmyla
	halyna kateryna viktoriia valentyna nadiia vira sofiia daryna andrii andriy oleksandr serhii serhiy
	volodymyr ivan mykola dmytro oleh yurii viktor vasyl petro bohdan taras maksym pavlo roman mykhailo
	ihor artem denys oleksii yevhen vadym bohdana khrystyna solomiia anastasiia sasha dasha katya nastya
	john james robert michael william david richard joseph thomas charles daniel matthew mark paul steven
	steve andrew joshua kevin brian george edward ronald timothy jason jeffrey ryan jacob gary nicholas
	eric jonathan stephen larry justin scott brandon frank benjamin gregory samuel raymond patrick
	alexander jack dennis jerry tyler aaron jose henry nathan douglas zachary peter kyle walter ethan
	jeremy harold keith christian roger noah gerald carl terry sean austin arthur lawrence jesse dylan
	bryan joe jordan billy bruce albert willie logan juan wayne roy ralph randy eugene vincent russell
	elijah louis bobby philip johnny tom tommy tim jim jimmy bob mike chris danny dan ben harry charlie
	oliver liam lucas mason leo oscar archie alfie jake luke owen callum connor kieran ahmed mohammed
	muhammad mohamed ali omar hassan ibrahim yusuf mustafa mary patricia jennifer linda elizabeth susan
	jessica sarah karen nancy lisa betty margaret ashley kimberly emily donna michelle dorothy carol
	amanda melissa deborah stephanie rebecca sharon cynthia kathleen amy shirley angela helen brenda
	pamela nicole emma samantha katherine kate katie christine debra rachel catherine carolyn janet ruth
	heather diane virginia julie joyce victoria olivia kelly christina lauren joan evelyn judith megan
	cheryl andrea hannah martha jacqueline frances gloria ann annie kathryn sara janice jean alice
	madison doris abigail judy denise amber marilyn beverly danielle theresa sophia sophie marie diana
	brittany natalie isabella charlotte alexis kayla lily lucy ella chloe mia ava isla poppy jenny sue
	liz beth maggie meg molly millie ellie holly fatima aisha zainab leila`

// notNamesCapital are capitalised words that are not names although they
// look like one: names the engine must keep for the report to say anything
// (institutions, places, holidays, languages, illnesses named after a
// person) and the pronouns and titles residents capitalise out of
// politeness. They are folded prefixes: "elbl" keeps "Elbląg", "Elblągu".
var notNamesCapital = strings.Fields(`
	mops ops gops cus pcpr zus krus pfron nfz caritas senior klub osrod ośrod centr dom szkol przedszk urzad urzęd
	poradn przychodn szpital swietlic świetlic jadlodajn jadłodajn noclegown schronisk pomoc spoleczn społeczn
	rodzin samopomoc srodowisk środowisk interwencj kryzysow niebiesk kart miejsk gminn powiat wojewod parafi
	kosciol kości polkolon półkolon kolon podstawow panstw państw rzad rząd sad sąd policj straz straż pogotow
	ratown bank poczt biedronk lidl allegro olx facebook messenger internet google telegram whatsapp viber
	skype instagram swiet świąt świę wigili wielkan boż boz bog bóg jezus maryj sylwest andrzejk dzien dzień matk
	ojca ojcu dzieck babc dziadk domu domy domem sądu sądzie sadu sadzie boże boze bożego bozego boga bogu narodzen ciał cial usług uslug pesel karta dobry dobra dyrektor kierown prezydent burmistrz wojt wójt
	polsk polsc polak polk polka ukrain niemc niemiec angli europ elbl gdans gdańs gdyn sopot warszaw krakow
	krakó olsztyn pasle pasłę malbork tczew braniew frombork torun toruń poznan poznań wroclaw wrocław lodz łódź
	łodz katowic bialystok białyst lublin rzeszow rzeszów szczecin zator star miast miesc mieśc kharkiv kyiv kiev lviv
	lwow lwów kijow kijów charkow charków odes dnipr ukraine poland germany europe
	polish ukrainian english russian belarus rosj rosyj bialorus białorus angiel
	alzheimer parkinson down asperger hashimoto crohn
	pan pani panu pana panem panie panią państwo wam was wasz ciebie tobie twoj twój ty bozia
	mr mrs ms miss dr sir madam dear hi hello hey thanks thank sorry ok okay please
	january february march april june july august september october november december monday tuesday
	wednesday thursday friday saturday sunday christmas easter
	social insurance institution alcoholics anonymous office centre center council city hall red cross
	food school hospital police church charity
	ви вас вам ваш мопс цус центр дім будин школ лікар польщ польс польськ україн укр київ харків львів
	одес дніпр ельблонг гданськ варшав німеч європ карт червон хрест каритас уряд управл різдв великд
	бог господ`)

// notNamesStart are words that end like a diminutive but are not names, at
// the start of a sentence, where any word is capitalised.
var notNamesStart = wordSet(`mamusia mamusiu tatuś tatusiu dziadziuś dziadzio babunia babusia córeczka
	wnusia wnuczek synuś synuś dzidziuś braciszek siostrzyczka ktoś coś gdzieś kiedyś jakoś dziś teraz
	jakiś wszystko ciocia wujcio wujaszek prosię zwierzę kocię
	бабуся матуся татусь дідусь синочок донечка хтось щось ось десь колись`)

// dimEndings are the endings of Polish and Ukrainian diminutives of first
// names ("Piotruś", "Kasieńka", "Zosia", "Тарасик"): a capitalised word
// at the start of a sentence with one of them is taken for a name.
var dimEndings = strings.Fields(`uś usia usiu unia uniu eńka eńku eczka eczek iczek isia ysia zia ziu
	dzia dzio cio sio siu sia oś aś iś yś ulka
	усь уся очка енька ечка чик йко ик`)

// loginCues are the words after which residents name an account: the next
// word, written in Latin letters, is a login.
var loginCues = wordSet(`login loginie nick nicku nickname skype skypie telegram telegramie tg insta
	instagram instagramie fb facebook facebooku messenger messengerze whatsapp whatsappie viber viberze
	signal handle username user id телеграм телеграмі вайбер вайбері інстаграм інсті фейсбук нік логін`)

// loginFillers may come between a login cue and the login.
var loginFillers = wordSet(`to jest is me on na my mój moj moje mnie mój: as at w в мій мене на`)

// streetWords end an English street name ("Oak Street").
var streetWords = wordSet(`street st road rd lane avenue ave drive close way square crescent terrace`)

// flatWords come before a flat number after a house number ("5 m. 3").
var flatWords = wordSet(`m m. lok lokal lokalu mieszkania mieszkanie mieszk blok klatka flat apt apartment кв квартира`)

// ageWords after a number say it is an age or a count, not a house number.
var ageWords = wordSet(`lat lata latka latek roku rok r years year yo months miesięcy miesiące dzieci dzieciaków
	razy dni days kids children років роки рік місяців дітей разів`)

// addressPreps before a capitalised word make it a street rather than a
// person ("na Lipowej", "przy Kwiatowej").
var addressPreps = wordSet(`na przy z ze adres adresem mieszkam mieszkamy mieszka zamieszkały zamieszkała
	at on near живу живемо на вулиці вул адреса`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[strings.ToLower(w)] = true
		m[foldWord(w)] = true
	}
	return m
}

// firstNamesExact holds the first names as written (lower case), so that
// a word with diacritics matches only the name it is ("Mają" is not
// "Maja"); firstNames (folded) serves words written without them.
var firstNamesExact = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(firstNameList + moreFirstNames) {
		m[strings.ToLower(n)] = true
	}
	return m
}()

// isFirstName: a common first name or diminutive. A word with diacritics
// must match one as written; one without may be any name folded.
func isFirstName(t token) bool {
	lower := strings.ToLower(t.text)
	if firstNamesExact[lower] {
		return true
	}
	if lower != t.fold && !strings.ContainsAny(lower, "'’ʼ") {
		return false // diacritics that no name has
	}
	return firstNames[t.fold]
}

// diminutive: a capitalised word ending like a diminutive of a first name.
func diminutive(t token) bool {
	lower := strings.ToLower(t.text)
	if notNamesStart[lower] || utf8.RuneCountInString(lower) < 4 {
		return false
	}
	for _, e := range dimEndings {
		if strings.HasSuffix(lower, e) {
			return true
		}
	}
	return false
}

// commonCapital: a capitalised word that is not a name (see
// notNamesCapital), or one letter ("I").
func commonCapital(t token) bool {
	if utf8.RuneCountInString(t.text) < 2 {
		return true
	}
	lower := strings.ToLower(t.text)
	if notNames[t.fold] {
		return true
	}
	if notNamesExact[lower] || notNamesExact[t.fold] {
		return true
	}
	for _, p := range notNamesPrefixes {
		if strings.HasPrefix(lower, p) || strings.HasPrefix(t.fold, p) {
			return true
		}
	}
	return false
}

// notNamesExact and notNamesPrefixes split notNamesCapital: an entry of
// fewer than four letters ("pan", "dom", "вас") must be the whole word,
// or it would keep names that begin with it ("Pankowski", "Dominik",
// "Василько"); longer ones are stems ("elbl" keeps "Elblągu").
var notNamesExact, notNamesPrefixes = func() (map[string]bool, []string) {
	exact := map[string]bool{}
	var prefixes []string
	for _, w := range notNamesCapital {
		if utf8.RuneCountInString(w) < 4 {
			exact[w] = true
		} else {
			prefixes = append(prefixes, w)
		}
	}
	return exact, prefixes
}()

// latinLogin: a word that can only be an account name: letters with an
// underscore, letters followed by digits ("gosia1978"), or dotted lower
// case words ("jan.kowal88", "john.w.smith").
func latinLogin(w string) bool {
	if w == "" || strings.HasPrefix(w, "[") {
		return false
	}
	letters, digits, lower, other := 0, 0, 0, false
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
			if unicode.IsLower(r) {
				lower++
			}
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune("._-", r):
		default:
			other = true
		}
	}
	if other || letters < 2 || lower == 0 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsLetter(first) {
		return false
	}
	switch {
	case strings.Contains(w, "_"):
		return true
	case digits > 0:
		// letters first, then digits somewhere: "gosia1978", "kasia-kot12";
		// not "covid" words of one letter and digits.
		return letters >= 3
	case strings.Count(w, ".") >= 1:
		return utf8.RuneCountInString(w) >= 7 && !strings.HasSuffix(w, ".") && lower == letters
	}
	return false
}

// redactLogins replaces account names written without "@": words only a
// login looks like, and the word after a cue that says one follows
// ("skype: janek", "mój nick to janek").
func redactLogins(text string) string {
	fields := strings.Fields(text)
	changed := false
	armed, cue := false, false // a cue was seen; it said a login follows
	for i, f := range fields {
		core := strings.Trim(f, ",;:!?()\"'«»„”")
		bare := strings.TrimRight(core, ".")
		w := strings.ToLower(bare)
		if !(latinLogin(bare) || armed && asciiWord(w) && !loginFillers[w] && !loginCues[w]) {
			switch {
			case loginCues[w]:
				cue, armed = true, strings.HasSuffix(f, ":")
			case cue && (loginFillers[w] || f == "-" || f == "–" || f == ":"):
				armed = armed || w == "to" || w == "is" || w == "jest" || f == "-" || f == "–" || f == ":" || strings.HasSuffix(f, ":")
			default:
				cue, armed = false, false
			}
			continue
		}
		cue, armed = false, false
		fields[i] = strings.Replace(f, bare, PlaceholderLogin, 1)
		changed = true
	}
	if !changed {
		return text
	}
	return strings.Join(fields, " ")
}

// asciiWord: Latin letters, digits and ._- only, with a letter.
func asciiWord(w string) bool {
	letter := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-':
		default:
			return false
		}
	}
	return letter
}

// sentenceStart: toks[i] begins the text or a sentence (after ".", "!",
// "?" or a line break, but not after an abbreviation such as "ul." or
// "tel."), where a capital says nothing.
func sentenceStart(text string, toks []token, i int) bool {
	if i == 0 {
		return true
	}
	gap := text[toks[i-1].end:toks[i].start]
	if !strings.ContainsAny(gap, ".!?\n…") {
		return false
	}
	if strings.HasPrefix(strings.TrimLeft(gap, " "), ".") && abbreviations[toks[i-1].fold] {
		return false
	}
	return true
}

// abbreviations end with a dot that does not end a sentence.
var abbreviations = wordSet(`ul al os pl m tel nr św sw im ks dr prof mr mrs ms st wg ok np tzn вул м`)

// mostlyCapitalised: a text whose words are nearly all capitalised
// ("Potrzebuję Pomocy Dla Mamy") says nothing with its capitals.
func mostlyCapitalised(toks []token) bool {
	words, caps := 0, 0
	for _, t := range toks {
		if t.holder || houseNumber(t.text) {
			continue
		}
		words++
		if capitalised(t.text) {
			caps++
		}
	}
	return words >= 5 && caps*10 >= words*8
}

// markAddressNumbers completes addresses: a house number right after a
// removed name makes the name a street ("Lipowej 5", "Main Street 14"); a
// flat number after a removed house number goes too ("5 m. 3", "flat 9");
// an English street ("12 Oak Street") takes its number.
func markAddressNumbers(text string, toks []token, cut []bool, kind []string, separated func(int) bool) {
	glued := func(i int) bool { return i+1 < len(toks) && !separated(i) }
	for i := 0; i < len(toks); i++ {
		if !cut[i] || kind[i] != PlaceholderName && kind[i] != PlaceholderAddress {
			continue
		}
		j := i // the run of removed words
		for j+1 < len(toks) && cut[j+1] && glued(j) {
			j++
		}
		street := false
		for k := i; k <= j; k++ {
			street = street || streetWords[toks[k].fold]
		}
		for street && i > 0 && !cut[i-1] && capitalised(toks[i-1].text) && glued(i-1) {
			i-- // "Church Lane": the words before the street word, even common ones
			cut[i] = true
		}
		if street && i > 0 && houseNumber(toks[i-1].text) && !cut[i-1] {
			i--
			cut[i] = true
		}
		if glued(j) && houseNumber(toks[j+1].text) && !toks[j+1].holder && !ageWord(toks, j+2) {
			j++
			cut[j] = true
			street = true
		}
		if street || kind[i] == PlaceholderAddress && houseNumber(toks[j].text) {
			for k := i; k <= j; k++ {
				kind[k] = PlaceholderAddress
			}
			// A flat number: "m. 3", ", flat 9", "blok 3".
			if houseNumber(toks[j].text) && j+2 < len(toks) && flatWords[toks[j+1].fold] && houseNumber(toks[j+2].text) {
				cut[j+2], kind[j+2] = true, PlaceholderAddress
				j += 2
			}
		}
		i = j
	}
	_ = text
}

// ageWord: toks[i] says the number before it is an age or a count.
func ageWord(toks []token, i int) bool {
	return i < len(toks) && ageWords[toks[i].fold]
}
