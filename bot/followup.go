package bot

import (
	"strconv"
	"strings"

	"okienko/bot/script"
	"okienko/bot/textnorm"
)

// Follow-up questions: once services are shown, residents ask about them
// ("a za ile?", "w jakich godzinach?", "jakie dokumenty?"). The engine
// answers from the catalogue entry, in the conversation's language, naming
// the service; when several were shown and their answers differ it asks
// which one first.

// What a follow-up question asks about.
const (
	askDetails     = "details"
	askEligibility = "eligibility"
	askCost        = "cost"
	askApply       = "apply"
	askDocuments   = "documents"
	askAppointment = "appointment"
	askAddress     = "address"
	askHours       = "hours"
	askPhone       = "phone"
)

// askOrder is the order answers come in when one message asks several things.
var askOrder = []string{askDetails, askEligibility, askCost, askApply, askDocuments, askAppointment, askAddress, askHours, askPhone}

// askPhrases recognise each kind of question in Polish (with or without
// diacritics), Ukrainian and English, in the phrase syntax of triggers.
var askPhrases = map[string][]string{
	askCost: {"ile kosztuj*", "ile to kosztuj*", "za ile", "koszt*", "cena", "ceny", "cennik*", "płatn*|platn*", "odpłatn*|odplatn*", "bezpłatn*|bezplatn*",
		"darmo*", "płaci*|placi*", "zapłac*|zaplac*", "opłat*|oplat*", "how much", "cost*", "price*", "fee*", "free", "pay*", "charge*",
		"скільки кошту*", "скільки це кошту*", "вартіст*", "безкоштовн*", "платн*", "оплат*", "ціна", "ціну", "заплатити"},
	askHours: {"godzin*", "kiedy czynne|otwarte|przyjmuj*|pracuj*|moge|mogę|mozna|można", "czynne", "otwarte", "o której|ktorej", "w jakie dni", "w jakich dniach", "kiedy",
		"hours", "open*", "what time", "when", "годин*", "коли", "відчинен*", "графік*", "розклад*", "працює"},
	askAddress: {"gdzie", "adres*", "dojechać|dojechac|dojść|dojsc", "dojazd*", "lokalizacj*", "where", "address*", "located", "location", "де", "адрес*", "дістатися"},
	askPhone: {"telefon*", "numer*", "zadzwoni*", "dzwoni*", "kontakt*", "mail*", "phone*", "call", "number", "contact*", "email*",
		"телефон*", "номер*", "зателефонувати", "подзвонити", "дзвонити", "контакт*", "пошт*"},
	askEligibility: {"kto może|moze", "dla kogo", "czy mogę|moge|możemy|mozemy skorzysta*|dostać|dostac", "przysługuj*|przysluguj*", "warunk*", "kryteri*",
		"kwalifikuj*", "czy się|sie nadaj*", "kto ma prawo", "who can", "eligib*", "qualify", "am i allowed|able", "entitled",
		"хто може", "умов*", "чи можу я", "маю право", "право на", "для кого"},
	askApply: {"jak złożyć|zlozyc", "złożyć|zlozyc wniosek", "wniosek*", "wniosk*", "jak się|sie zapisa*|zgłosi*|zglosi*|ubiega*|starać|starac", "zgłosić|zglosic się|sie",
		"jak skorzysta*", "jak dostać|dostac|otrzyma*|załatwi*|zalatwi*", "co zrobić|zrobic|muszę zrobić|musze zrobic", "how to apply|get|sign", "how do i apply|get|sign",
		"apply*", "application*", "sign up", "register*", "як подати", "як отримати", "як записатися", "заяв*", "оформ*", "подати"},
	askDocuments: {"dokument*", "zaświadcze*|zaswiadcze*", "co zabrać|zabrac|przynieść|przyniesc|przygotowa*", "papier*", "document*", "papers", "what to bring",
		"документ*", "довідк*", "що взяти", "що принести"},
	askAppointment: {"bez umówienia|umowienia|umawiania|zapowiedzi|zapisu|rejestracji|skierowania", "umówić|umowic|umawia*|umówi*|umowi*", "wizyt*", "przyjść|przyjsc od razu|tak po prostu|bez",
		"appointment*", "walk in", "book*", "без запису", "записатися на прийом", "прийом*", "без попереднього"},
	askDetails: {"jak to działa|dziala", "jak to wygląda|wyglada", "na czym polega*", "co to jest", "więcej|wiecej", "szczegół*|szczegol*", "dokładniej|dokladniej",
		"how does it work", "what is it", "more about", "tell me more", "details", "детальніше", "як це працює", "що це", "більше"},
}

// askSet is askPhrases compiled into one set; askKinds[i] is the kind of
// its phrase i.
var askSet, askKinds = func() (*textnorm.PhraseSet, []string) {
	var phrases []textnorm.Phrase
	var kinds []string
	for _, kind := range askOrder {
		for _, p := range askPhrases[kind] {
			ph, err := textnorm.CompilePhrase(p)
			if err != nil {
				panic("follow-up phrase " + p + ": " + err.Error())
			}
			phrases = append(phrases, ph)
			kinds = append(kinds, kind)
		}
	}
	return textnorm.NewPhraseSet(phrases), kinds
}()

// maxFollowUpWords bounds a follow-up question: longer messages are new
// descriptions, not questions about what was shown.
const maxFollowUpWords = 12

// questionKinds reports what a message asks about the services shown, in
// askOrder; nil when it is not such a question. "ile" alone (a za ile?)
// asks the cost.
func questionKinds(text string) []string {
	words := textnorm.PhraseWords(text)
	if len(words) == 0 || len(words) > maxFollowUpWords {
		return nil
	}
	var out []string // in askOrder, as the set's phrases are
	for _, i := range askSet.Occurring(words, nil) {
		if kind := askKinds[i]; !contains(out, kind) {
			out = append(out, kind)
		}
	}
	if len(out) == 0 {
		for _, w := range words {
			if w == "ile" || w == "скільки" {
				return []string{askCost}
			}
		}
	}
	// "Czy mogę przyjść bez umówienia?" asks about appointments, not
	// eligibility ("czy mogę") or hours.
	if len(out) > 1 && contains(out, askAppointment) {
		out = remove(out, askEligibility, askHours, askApply)
	}
	// "Jaki jest numer telefonu?" asks the phone, whatever else it says.
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func remove(list []string, drop ...string) []string {
	var out []string
	for _, x := range list {
		if !contains(drop, x) {
			out = append(out, x)
		}
	}
	return out
}

// ordinals name the services shown by position.
var ordinals = [][]string{
	{"1", "pierwsz*", "jedynk*", "first", "перш*", "один"},
	{"2", "drug*", "dwojk*", "dwójk*", "second", "друг*", "два"},
	{"3", "trzec*", "trojk*", "trójk*", "third", "трет*", "три"},
}

// namedService returns the index of the service among shown that the text
// names, by position ("ta druga", "2") or by a word of its name; -1 when
// it names none or several. pos[i] is shown[i]'s number in the list the
// resident saw, less one (nil: its index): after a catalogue reload drops
// a service, "ta druga" still means the second one shown.
func namedService(text string, shown []Service, pos []int) int {
	words := textnorm.PhraseWords(text)
	found := -1
	for i := range shown {
		p := i
		if pos != nil {
			p = pos[i]
		}
		if p >= len(ordinals) {
			continue
		}
		for _, o := range ordinals[p] {
			ph, _ := textnorm.CompilePhrase(o)
			if ph.In(words) {
				if found >= 0 && found != i {
					return -1
				}
				found = i
			}
		}
	}
	if found >= 0 {
		return found
	}
	best, bestN, tie := -1, 0, false
	for i, sv := range shown {
		n := 0
		for _, nw := range textnorm.Words(sv.Name) {
			if len([]rune(nw)) < 5 || nameStop[nw] {
				continue
			}
			stem := string([]rune(nw)[:min(len([]rune(nw)), 5)])
			for _, w := range words {
				if strings.HasPrefix(w, stem) {
					n++
					break
				}
			}
		}
		switch {
		case n > bestN:
			best, bestN, tie = i, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if tie {
		return -1
	}
	return best
}

// nameStop are words of service names that do not tell services apart.
var nameStop = map[string]bool{"usluga": true, "uslugi": true, "pomoc": true, "osob": true, "osoby": true, "centrum": true, "dla": true,
	"services": true, "service": true, "support": true, "help": true, "centre": true, "послуги": true, "допомога": true,
	"report": true, "needs": true, "potrzebe": true, "zglos": true}

// Session variables the follow-up keeps between turns (names no script
// may use: they start with an underscore).
const (
	varFollowUp = "_pytanie" // the kinds asked, while the bot asks which service
	varTalkedOf = "_usluga"  // the service the last answer was about
	// varResultsStep is the step the conversation waited at after the
	// services were shown: questions about them are answered there even
	// when it also takes a new description.
	varResultsStep = "_po_wynikach"
)

// choicePrefix marks the buttons of "which service?": the rest is its id.
const choicePrefix = "svc:"

// followUp answers a question about the services just shown, or asks which
// one it is about. It reports whether the message was handled.
func (c *conversation) followUp(st *script.Step) bool {
	if len(c.s.Offered) == 0 || st.Expect != "" || (st.FreeText != nil && c.s.Vars[varResultsStep] != st.ID) {
		return false
	}
	finder, ok := c.engine.cfg.Searcher.(ServiceFinder)
	if !ok {
		return false
	}
	pending := c.s.Vars[varFollowUp]
	delete(c.s.Vars, varFollowUp)
	var shown []Service
	var pos []int // shown[i] was number pos[i]+1 on the list
	for p, id := range c.s.Offered {
		if sv, ok := finder.Service(id, c.s.Lang); ok {
			shown = append(shown, sv)
			pos = append(pos, p)
		}
	}
	if len(shown) == 0 {
		return false
	}
	if pending != "" {
		// The answer to "which service?": a button, a number or a name.
		kinds := strings.Split(pending, ",")
		if id, ok := strings.CutPrefix(c.msg.Choice, choicePrefix); ok {
			for _, sv := range shown {
				if sv.ID == id {
					c.answerAbout(st, []Service{sv}, kinds)
					return true
				}
			}
			return false
		}
		if c.msg.Choice == "" {
			if i := namedService(c.msg.Text, shown, pos); i >= 0 && len(questionKinds(c.msg.Text)) == 0 {
				c.answerAbout(st, shown[i:i+1], kinds)
				return true
			}
		}
	}
	if c.msg.Choice != "" {
		return false
	}
	kinds := questionKinds(c.msg.Text)
	if len(kinds) == 0 {
		return false
	}
	// Where a new description is welcome too, a question must look like
	// one: "opiekunka na kilka godzin dziennie" describes a need; "w jakich
	// godzinach?", "adres" ask.
	if st.FreeText != nil && !looksLikeQuestion(c.msg.Text) && len(textnorm.PhraseWords(c.msg.Text)) > 3 {
		return false
	}
	if i := namedService(c.msg.Text, shown, pos); i >= 0 {
		c.answerAbout(st, shown[i:i+1], kinds)
		return true
	}
	// Asking on about the service the last answer was about.
	if last := c.s.Vars[varTalkedOf]; last != "" {
		for i, sv := range shown {
			if sv.ID == last {
				c.answerAbout(st, shown[i:i+1], kinds)
				return true
			}
		}
	}
	if len(shown) == 1 || sameAnswers(shown, kinds, c) {
		c.answerAbout(st, shown, kinds)
		return true
	}
	// Several services, different answers: ask which one.
	c.s.setVar(varFollowUp, strings.Join(kinds, ","))
	choices := make([]Choice, len(shown))
	for i, sv := range shown {
		choices[i] = Choice{ID: choicePrefix + sv.ID, Label: strconv.Itoa(pos[i]+1) + ". " + shortLabel(sv.Name)}
	}
	c.ask(c.message("followup_which"), choices)
	return true
}

// shortLabel keeps a button label within what chat apps show (and
// Slack/Telegram allow).
func shortLabel(s string) string {
	r := []rune(s)
	if len(r) <= 60 {
		return s
	}
	return strings.TrimSpace(string(r[:59])) + "…"
}

// sameAnswers reports whether every shown service gives the same answer
// to the kinds asked (one shared phone, all free), so asking which one
// would not matter.
func sameAnswers(shown []Service, kinds []string, c *conversation) bool {
	first := ""
	for i, sv := range shown {
		var b strings.Builder
		for _, k := range kinds {
			b.WriteString(c.fieldAnswer(sv, k) + "\x00")
		}
		if i == 0 {
			first = b.String()
		} else if b.String() != first {
			return false
		}
	}
	return true
}

// answerAbout answers the kinds asked for each service named, then asks
// the step's question again with its buttons.
func (c *conversation) answerAbout(st *script.Step, services []Service, kinds []string) {
	var parts []string
	if len(services) > 1 {
		// The same answer for all: say it once, naming them.
		var names []string
		for _, sv := range services {
			names = append(names, sv.Name)
		}
		parts = append(parts, c.answerText(strings.Join(names, ", "), services[0], kinds))
	} else {
		parts = append(parts, c.answerText(services[0].Name, services[0], kinds))
		c.s.setVar(varTalkedOf, services[0].ID)
	}
	c.say(strings.Join(parts, "\n\n"))
	c.ask(strings.TrimSpace(c.message("followup_more")+"\n"+c.text(st.Ask)), c.choices(st))
}

// answerText is the answer about one service: its name, then one line per
// kind asked.
func (c *conversation) answerText(name string, sv Service, kinds []string) string {
	var b strings.Builder
	switch c.s.Lang {
	case script.English:
		b.WriteString("“" + name + "”")
	case script.Ukrainian:
		b.WriteString("«" + name + "»")
	default:
		b.WriteString("„" + name + "”")
	}
	for _, k := range kinds {
		b.WriteString("\n" + c.fieldAnswer(sv, k))
	}
	return b.String()
}

// fieldAnswer is one line of an answer: the catalogue's text under its
// label, or what the catalogue does not say and whom to ask.
func (c *conversation) fieldAnswer(sv Service, kind string) string {
	p := sv.Provider
	labelled := func(label, value string) string {
		if strings.TrimSpace(value) == "" {
			return c.unknown(sv, label)
		}
		return c.message(label) + ": " + value
	}
	switch kind {
	case askDetails:
		text := sv.Summary
		if sv.Description != "" {
			text = sv.Description
		}
		return text
	case askEligibility:
		return labelled("label_eligibility", sv.Eligibility)
	case askCost:
		return labelled("label_cost", sv.Cost)
	case askApply:
		return labelled("label_apply", sv.HowToApply)
	case askDocuments:
		return labelled("label_documents", sv.Documents)
	case askAppointment:
		switch sv.Appointment {
		case "needed":
			return c.message("appointment_needed") + contact(p.Phone, p.Hours)
		case "not_needed":
			return c.message("appointment_not_needed") + contact("", p.Hours)
		}
		return c.unknown(sv, "label_appointment")
	case askAddress:
		if p.Address == "" {
			return c.unknown(sv, "label_address")
		}
		return c.message("label_address") + ": " + p.Address + " (" + p.Name + ")"
	case askHours:
		return labelled("label_hours", p.Hours)
	case askPhone:
		if p.Phone == "" && p.Email == "" {
			return c.unknown(sv, "label_phone")
		}
		line := labelled("label_phone", p.Phone)
		if p.Phone == "" {
			line = ""
		}
		if p.Email != "" {
			if line != "" {
				line += "\n"
			}
			line += "e-mail: " + p.Email
		}
		return line
	}
	return ""
}

func contact(phone, hours string) string {
	var parts []string
	if phone != "" {
		parts = append(parts, "☎ "+phone)
	}
	if hours != "" {
		parts = append(parts, hours)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// unknown says the catalogue does not tell, and who can: the provider's
// phone, else the Centre's.
func (c *conversation) unknown(sv Service, label string) string {
	phone := sv.Provider.Phone
	if phone == "" {
		phone = c.flow.sc.Centre.Phone
	}
	text := script.Render(c.messageText("followup_unknown"), func(name string) string {
		switch name {
		case "what":
			return strings.ToLower(c.message(label))
		case "phone":
			return phone
		}
		return c.lookup(name)
	})
	return text
}
