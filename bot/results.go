package bot

import (
	"strconv"
	"strings"

	"okienko/bot/needs"
	"okienko/bot/textnorm"
)

// Results fit a phone screen: at most 3 services in at most
// resultsBudget characters (name, one line, how to reach); the rest is
// told on request (see followup.go).
const (
	resultsBudget = 600
	maxShown      = 3
	summaryRunes  = 110
)

// shownResults keeps what one answer should show: referrals (another
// office) when the best match is one — the Centre does not handle it —
// else the Centre's services only.
func shownResults(found []Service) []Service {
	if len(found) == 0 {
		return nil
	}
	referral := found[0].Referral
	var out []Service
	for _, sv := range found {
		if sv.Referral == referral {
			out = append(out, sv)
		}
	}
	return out
}

// noteFound sets what the search found first, for the dialog's routing
// (found_kind: service or referral; found_category), and says the
// acknowledgement the description calls for, if any.
func (c *conversation) noteFound(query string) {
	kind, category := "", ""
	if len(c.results) > 0 {
		kind, category = "service", c.results[0].Category
		if c.results[0].Referral {
			kind = "referral"
		}
	}
	delete(c.s.Vars, varTalkedOf)
	c.s.setVar("found_kind", kind)
	c.s.setVar("found_category", category)
	if ack := c.acknowledgement(query); ack != "" {
		c.say(ack)
	}
}

// acknowledgement returns the first of the script's acknowledgements whose
// phrases the text holds, once per conversation and situation.
func (c *conversation) acknowledgement(text string) string {
	words := textnorm.PhraseWords(text)
	// Spelled out, without typo tolerance: "śmieci" (rubbish) is one
	// letter from "śmierci" (death), and a condolence for the rubbish
	// would hurt more than a missed one. The first acknowledgement (in
	// the script's order) with a phrase in the text, and its situation
	// when it names one (with), decides.
	i := -1
	for _, p := range c.flow.ackPhrases.Spelled(words) {
		k := c.flow.ackOf[p]
		if w := c.flow.ackWith[k]; w == nil || len(w.Spelled(words)) > 0 {
			i = k
			break
		}
	}
	if i < 0 {
		return ""
	}
	a := c.flow.acks[i]
	key := "_ack_" + a.ID
	if c.s.Vars[key] != "" {
		return ""
	}
	c.s.setVar(key, "1")
	return c.text(a.Say)
}

// showResults presents the services found, a short card each, within the
// phone-screen budget.
func (c *conversation) showResults(limit int) {
	if len(c.results) == 0 {
		c.say(c.message("no_results"))
		return
	}
	limit = min(limit, maxShown)
	shown, text := fit(c.results[:min(limit, len(c.results))])
	c.s.Offered = c.s.Offered[:0]
	for _, sv := range shown {
		c.s.Offered = append(c.s.Offered, sv.ID)
		c.note(needs.Fact{Kind: needs.Suggested, Value: sv.ID})
	}
	c.shown = true
	c.say(text)
	// "Teleopieka — ile to kosztuje?": the question asked with the name
	// is answered with the card.
	if kinds := questionKinds(c.query); len(kinds) > 0 && looksLikeQuestion(c.query) {
		if i := namedService(c.query, shown, nil); i >= 0 {
			c.say(c.answerText(shown[i].Name, shown[i], kinds))
			c.s.setVar(varTalkedOf, shown[i].ID)
			return
		}
	}
	c.say(c.message("results_hint"))
}

// fit returns as many services as fit the budget, with their cards:
// shorter summaries first, then fewer services.
func fit(services []Service) ([]Service, string) {
	text := ""
	for n := len(services); n >= 1; n-- {
		for _, runes := range []int{summaryRunes, 70, 0} {
			var cards []string
			for i, sv := range services[:n] {
				cards = append(cards, card(i+1, sv, runes))
			}
			text = strings.Join(cards, "\n\n")
			if len([]rune(text)) <= resultsBudget {
				return services[:n], text
			}
		}
	}
	return services[:1], text
}

// card is one service in short: number and name, its first sentence (cut
// to runes; 0 leaves it out), and how to reach it.
func card(n int, sv Service, runes int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(n) + ". " + sv.Name)
	if runes > 0 && sv.Summary != "" {
		b.WriteString("\n" + firstSentence(sv.Summary, runes))
	}
	var reach []string
	if sv.Provider.Phone != "" {
		reach = append(reach, "☎ "+sv.Provider.Phone)
	}
	if a := street(sv.Provider.Address); a != "" {
		reach = append(reach, a)
	}
	if len(reach) == 0 && sv.Provider.URL != "" {
		reach = append(reach, sv.Provider.URL)
	}
	if len(reach) > 0 {
		b.WriteString("\n" + strings.Join(reach, " · "))
	}
	return b.String()
}

// firstSentence cuts text after its first sentence, and at a word within
// max runes.
func firstSentence(text string, max int) string {
	for i := 0; i < len(text)-1; i++ {
		if text[i] != '.' || text[i+1] != ' ' {
			continue
		}
		// A sentence ends after a word, not after "np." or "ul.".
		j := strings.LastIndexAny(text[:i], " (")
		if len([]rune(text[j+1:i])) >= 4 {
			text = text[:i+1]
			break
		}
	}
	r := []rune(text)
	if len(r) <= max {
		return text
	}
	cut := string(r[:max])
	if i := strings.LastIndex(cut, " "); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:–—") + "…"
}

// street is the first part of an address ("ul. Przykładowa 1"): the town
// is the Centre's own.
func street(address string) string {
	s, _, _ := strings.Cut(address, ",")
	return strings.TrimSpace(s)
}

// questionWords mark a description that also asks something ("ile
// kosztuje teleopieka"), unlike one that only mentions hours or costs
// ("opiekunka na kilka godzin dziennie").
var questionWords = set("ile", "gdzie", "kiedy", "jak", "czy", "jakie", "jaki", "jaka", "kto", "co",
	"how", "what", "where", "when", "who", "is", "do", "does", "can", "скільки", "де", "коли", "як", "чи", "хто", "що")

func looksLikeQuestion(text string) bool {
	if strings.Contains(text, "?") {
		return true
	}
	for _, w := range textnorm.PhraseWords(text) {
		if questionWords[w] {
			return true
		}
	}
	return false
}
