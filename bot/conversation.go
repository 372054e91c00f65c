package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"okienko/bot/needs"
	"okienko/bot/officehours"
	"okienko/bot/script"
	"okienko/bot/textnorm"
)

// Limits on what one message may cause.
const (
	maxMessageRunes = 2000 // longer messages are cut: nobody types more into a chat
	maxStepsPerTurn = 50   // a script looping through steps that never wait stops here
	maxMisses       = 2    // misunderstood answers before a person is offered
)

// conversation applies one message to one session.
type conversation struct {
	engine  *Engine
	flow    *flow
	s       *Session
	ctx     context.Context
	now     time.Time
	msg     Message
	events  []Event
	erased  bool
	results []Service // services found by a search during this turn
	shown   bool      // services were shown during this turn
	query   string    // the words of the last search this turn
	pending string    // input to apply at the next waiting step (first message)
	moves   int
	open    *Reply       // the reply being built, nil when the next text starts a new one
	effects []effect     // work for the Desk once the session is saved
	noted   []needs.Fact // for the needs report: topics, services shown, ratings
	check   string       // a concern's group: ask whether the resident is safe at the end of the turn
	// chosen: texts a button (or its typed label) set this turn, the
	// organizer's own words: a search for them is never put as a question.
	chosen []string
}

// receive decides what the message means: a crisis, a trigger, or an answer
// to the step the conversation waits at.
func (c *conversation) receive() {
	text := strings.TrimSpace(c.msg.Text)
	if utf8.RuneCountInString(text) > maxMessageRunes {
		text = string([]rune(text)[:maxMessageRunes])
	}
	c.msg.Text = text
	if c.crisisTurn(text) {
		return
	}
	c.route(text)
	c.safetyCheck()
}

// route passes the message to a trigger, the open case or the step the
// conversation waits at.
func (c *conversation) route(text string) {
	if c.attached() { // caseturn.go
		return
	}
	if lang := languageRequest(text); lang != "" && c.msg.Choice == "" && c.s.Case == "" && !c.languageMenu() {
		c.s.Misses = 0
		c.switchLanguage(lang)
		return
	}
	if t := c.trigger(); t != nil && c.triggerApplies(t, text) {
		c.s.Misses = 0
		switch {
		case t.Action == script.ActionRestart:
			c.restart()
		case t.Action == script.ActionErase:
			c.erase()
		default:
			c.enter(t.Goto)
		}
		return
	}
	st := c.current()
	if c.s.Case != "" && c.relayed() {
		return
	}
	if st == nil {
		// A new conversation, or one whose step is gone or that ended:
		// start, and let a first free description answer the first question.
		if text != "" && !strings.HasPrefix(text, "/") {
			c.pending = text
		}
		c.enter(c.flow.sc.Start)
		return
	}
	inCase := c.s.Case
	c.answer(st)
	c.pressedInCase(st, inCase)
}

func (c *conversation) current() *script.Step {
	if c.s.Step == "" {
		return nil
	}
	st := c.flow.sc.Steps[c.s.Step]
	if st == nil || !st.Waits() {
		return nil
	}
	return st
}

// trigger finds a global command or phrase in the message.
func (c *conversation) trigger() *script.Trigger {
	sc := c.flow.sc
	text := c.msg.Text
	if c.msg.Choice != "" && strings.HasPrefix(c.msg.Choice, "/") {
		text = c.msg.Choice
	}
	if strings.HasPrefix(text, "/") {
		cmd := strings.ToLower(strings.Fields(text)[0])
		cmd, _, _ = strings.Cut(cmd, "@") // Telegram's /start@BotName
		for i := range sc.Triggers {
			for _, tc := range sc.Triggers[i].Commands {
				if textnorm.Fold(tc) == textnorm.Fold(cmd) {
					return &sc.Triggers[i]
				}
			}
		}
		return nil
	}
	if c.msg.Choice != "" {
		return nil
	}
	words := textnorm.Words(text)
	for i := range sc.Triggers {
		for _, ph := range sc.Triggers[i].Phrases {
			pw := phraseWords(ph)
			if sc.Triggers[i].Whole && len(pw) != len(words) {
				continue
			}
			if phraseIn(pw, words) {
				return &sc.Triggers[i]
			}
		}
	}
	return nil
}

// phraseIn reports whether the phrase's words appear together in a short
// message ("chcę rozmawiać z człowiekiem" has "człowiek*"). Long messages
// are descriptions, not commands, and never trigger.
func phraseIn(phrase, words []string) bool { return findPhrase(phrase, words, false) }

// choiceWordIn is phraseIn for a choice's word, which the word just before
// it may negate: "nie zgadzam się" is no "zgadzam*" (consent), "nie o to"
// no "o to", "nie, dziękuję" no "dziękuję". A word that is itself a
// negation ("nie", "nie o to chodzi") is matched as usual.
func choiceWordIn(phrase, words []string) bool { return findPhrase(phrase, words, true) }

// choiceNegators negate the word after them in an answer to a question.
// (Not "no": Polish "no tak" is a yes.)
var choiceNegators = map[string]bool{"nie": true, textnorm.Fold("ні"): true, textnorm.Fold("не"): true, "not": true}

func findPhrase(phrase, words []string, negatable bool) bool {
	if len(phrase) == 0 || len(words) > len(phrase)+3 {
		return false
	}
	negatable = negatable && !choiceNegators[strings.TrimSuffix(phrase[0], "*")]
	for i := 0; i+len(phrase) <= len(words); i++ {
		if negatable && i > 0 && choiceNegators[words[i-1]] {
			continue
		}
		ok := true
		for j, p := range phrase {
			if !wordMatches(p, words[i+j]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// phraseWords folds a trigger phrase into words, keeping a trailing * that
// stands for any ending ("człowiek*" matches "człowiekiem"). Phrases come
// from the scripts and are matched on every message: memoised (the answer
// is shared, read only).
func phraseWords(phrase string) []string { return phraseMemo.Get(phrase) }

var phraseMemo = textnorm.NewMemo(splitPhrase, 8192)

func splitPhrase(phrase string) []string {
	var out []string
	for _, f := range strings.Fields(phrase) {
		star := strings.HasSuffix(f, "*")
		for _, w := range textnorm.Words(f) {
			out = append(out, w)
		}
		if star && len(out) > 0 {
			out[len(out)-1] += "*"
		}
	}
	return out
}

func wordMatches(pattern, word string) bool {
	if stem, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(word, stem)
	}
	return pattern == word
}

// answer applies the message to the waiting step.
func (c *conversation) answer(st *script.Step) {
	if c.followUp(st) {
		c.s.Misses = 0
		return
	}
	if ch := c.matchChoice(st); ch != nil {
		if c.flow.sc.AfterCase != "" && c.s.Step == c.flow.sc.AfterCase {
			c.note(needs.Fact{Kind: needs.Rating, Value: ch.ID})
		}
		c.s.Misses = 0
		c.setVars(ch.Set)
		for k := range ch.Set {
			c.chosen = append(c.chosen, c.s.Vars[k])
		}
		if st.Save != "" {
			c.s.setVar(st.Save, ch.ID)
		}
		next := ch.Next
		if len(next) == 0 {
			next = st.Next
		}
		c.enter(c.resolve(next))
		return
	}
	text := c.msg.Text
	if st.FreeText != nil && text != "" {
		c.s.Misses = 0
		c.s.setVar(st.FreeText.Save, text)
		next := st.FreeText.Next
		if len(next) == 0 {
			next = st.Next
		}
		c.enter(c.resolve(next))
		return
	}
	if st.Expect != "" {
		value, problem := c.validate(st)
		if problem == "" {
			c.s.Misses = 0
			c.s.setVar(st.Save, value)
			c.enter(c.resolve(st.Next))
			return
		}
		c.misunderstood(st, problem)
		return
	}
	c.misunderstood(st, "not_understood")
}

// misunderstood re-asks, showing the choices; after repeated misses it
// offers a person.
func (c *conversation) misunderstood(st *script.Step, messageKey string) {
	c.s.Misses++
	var text string
	if messageKey == "not_understood" || len(st.Invalid) == 0 {
		text = c.message(messageKey)
	} else {
		text = c.text(st.Invalid)
	}
	choices := c.choices(st)
	if c.s.Misses >= maxMisses {
		if person := c.flow.sc.TriggerFor("person"); person != nil && len(person.Commands) > 0 {
			text += "\n\n" + c.message("offer_person")
			choices = append(choices, Choice{ID: person.Commands[0], Label: c.message("person_button")})
		}
	}
	c.ask(text, choices)
}

// matchChoice finds the choice the resident meant: the button pressed, its
// number, its label or one of its words.
func (c *conversation) matchChoice(st *script.Step) *script.Choice {
	if len(st.Choices) == 0 {
		return nil
	}
	if c.msg.Choice != "" {
		for i := range st.Choices {
			if st.Choices[i].ID == c.msg.Choice {
				return &st.Choices[i]
			}
		}
		return nil // a button of an older question: not an answer to this one
	}
	norm := textnorm.Normalize(c.msg.Text)
	if norm == "" {
		return nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(norm, ".")); err == nil && n >= 1 && n <= len(st.Choices) {
		return &st.Choices[n-1]
	}
	words := strings.Fields(norm)
	for i := range st.Choices {
		ch := &st.Choices[i]
		for _, label := range ch.Label {
			if textnorm.NormalizeScript(label) == norm {
				return ch
			}
		}
		if textnorm.NormalizeScript(ch.ID) == norm {
			return ch
		}
		for _, w := range ch.Words {
			pw := phraseWords(w)
			// Where the resident may also describe things in their own
			// words, a choice's word must be nearly all they wrote.
			if st.FreeText != nil && len(words) > len(pw)+1 {
				continue
			}
			if choiceWordIn(pw, words) {
				return ch
			}
		}
	}
	return nil
}

// validate checks an answer against the step's expect; it returns the
// value to save, or the key of the message explaining what is wrong.
func (c *conversation) validate(st *script.Step) (value, problem string) {
	text := c.msg.Text
	switch st.Expect {
	case script.ExpectText:
		if text == "" {
			return "", "empty_answer"
		}
		return text, ""
	case script.ExpectPhone:
		if c.msg.Phone != "" {
			text = c.msg.Phone
		}
		if p, ok := ParsePhone(text); ok {
			return p, ""
		}
		return "", "invalid_phone"
	case script.ExpectYesNo:
		if v, ok := ParseYesNoIn(text, c.s.Lang); ok {
			return v, ""
		}
		return "", "invalid_yes_no"
	case script.ExpectNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(text, " ", ""), ",", "."), 64)
		if err != nil || n != n { // NaN
			return "", "invalid_number"
		}
		return strconv.FormatFloat(n, 'f', -1, 64), ""
	case script.ExpectPattern:
		re, err := compiledPattern(st.Pattern)
		if err != nil || !re.MatchString(text) {
			return "", "invalid_answer"
		}
		return text, ""
	}
	return "", "invalid_answer"
}

// enter moves the conversation to a step and runs steps until one waits for
// the resident.
func (c *conversation) enter(id string) {
	for id != "" {
		c.moves++
		if c.moves > maxStepsPerTurn {
			c.engine.logger.Error("dialog loops without waiting", "step", id)
			c.s.Step = ""
			return
		}
		st := c.flow.sc.Steps[id]
		if st == nil {
			c.engine.logger.Error("dialog step missing", "step", id)
			id = c.flow.sc.Start
			continue
		}
		c.s.Step = id
		c.emit(Event{Kind: EventStep, Step: id})
		c.setVars(st.Set)
		if say := c.text(st.Say); say != "" {
			c.say(say)
		}
		if st.Waits() {
			if c.shown {
				// Questions about the services shown are answered here.
				c.s.setVar(varResultsStep, id)
			}
			if c.pending != "" {
				c.msg = Message{Channel: c.msg.Channel, ChatID: c.msg.ChatID, Text: c.pending}
				c.pending = ""
				if c.matchChoice(st) != nil || st.FreeText != nil || st.Expect != "" {
					c.answer(st)
					return
				}
			}
			c.ask(c.text(st.Ask), c.choices(st))
			return
		}
		if st.Action != "" {
			id = c.act(st)
			continue
		}
		id = c.resolve(st.Next)
	}
}

// act performs a step's action and returns the step to go to next.
func (c *conversation) act(st *script.Step) string {
	switch st.Action {
	case script.ActionSearch:
		switch c.search(st.Search) {
		case searchFound:
			return st.Search.Found
		case searchMaybe:
			return st.Search.Maybe
		}
		return st.Search.None
	case script.ActionShowResults:
		limit := 3
		if st.Results != nil && st.Results.Limit > 0 {
			limit = st.Results.Limit
		}
		c.showResults(limit)
	case script.ActionHandoff:
		h := st.Handoff
		if h == nil {
			h = &script.Handoff{}
		}
		c.raise(h, "")
	case script.ActionEnd:
		c.s.Step = ""
		return ""
	case script.ActionRestart:
		c.restart()
		return ""
	case script.ActionErase:
		c.erase()
		return ""
	}
	return c.resolve(st.Next)
}

func (c *conversation) restart() {
	c.s.Vars = nil
	c.s.Offered = nil
	c.s.Misses = 0
	c.enter(c.flow.sc.Start)
}

func (c *conversation) erase() {
	for _, id := range append(append([]string(nil), c.s.OtherCases...), c.s.Case) {
		if id != "" {
			c.effects = append(c.effects, effect{erased: true, ref: CaseRef{ID: id, Key: c.s.Key}})
		}
	}
	c.erased = true
	c.events = nil
	c.open = nil
	c.emit(Event{Kind: EventErasure})
	c.say(c.message("erased"))
}

// searchOutcome is where a search leads: good matches, services that may
// fit (offered as a question, only where the step has somewhere to go with
// them), or nothing.
type searchOutcome int

const (
	searchNone searchOutcome = iota
	searchFound
	searchMaybe
)

// search queries the catalogue and reports what it found.
func (c *conversation) search(spec *script.Search) searchOutcome {
	q := SearchQuery{
		Text:     strings.TrimSpace(c.render(spec.Query)),
		Lang:     c.s.Lang,
		Category: strings.TrimSpace(c.render(spec.Category)),
		Audience: strings.TrimSpace(c.render(spec.Audience)),
		Limit:    spec.Limit,
	}
	var res SearchResult
	if c.engine.cfg.Searcher != nil && (q.Text != "" || q.Category != "") {
		var err error
		res, err = c.engine.cfg.Searcher.Search(c.ctx, q)
		if err != nil {
			c.engine.logger.Error("catalogue search", "err", err)
			res = SearchResult{}
		}
	}
	ids := make([]string, len(res.Services))
	for i, sv := range res.Services {
		ids[i] = sv.ID
	}
	c.emit(Event{Kind: EventSearch, Search: &SearchLog{Query: q.Text, Category: q.Category, Audience: q.Audience, Results: ids, Confident: res.Confident, Tentative: res.Tentative}})
	outcome := searchNone
	switch {
	case len(res.Services) == 0:
	case res.Confident:
		outcome = searchFound
	case res.Tentative && slices.Contains(c.chosen, q.Text):
		// A menu button that searches in the organizer's words ("środowiskowy
		// dom samopomocy, warsztaty terapii zajęciowej") is not asked back
		// to the resident as "czy o to chodziło?".
		outcome = searchFound
	case res.Tentative && spec.Maybe != "":
		outcome = searchMaybe
	}
	if outcome != searchNone {
		c.results = shownResults(res.Services)
		c.s.Offered = nil
		for _, sv := range c.results {
			c.s.Offered = append(c.s.Offered, sv.ID)
		}
	} else {
		c.results = nil
		c.s.Offered = nil
	}
	c.rememberFound(c.results) // for a case card (caseturn.go)
	c.s.setVar("found", strconv.Itoa(len(c.results)))
	c.query = q.Text
	c.noteFound(q.Text)
	return outcome
}

// raise creates a handoff case. The resident's details go to staff only
// with their consent, or in a crisis.
func (c *conversation) raise(h *script.Handoff, words string) {
	get := c.lookup
	urgency := UrgencyNormal
	if h.Urgency == string(UrgencyUrgent) {
		urgency = UrgencyUrgent
	}
	if c.s.Case != "" && c.engine.cfg.Desk != nil {
		c.raiseInCase(h, urgency, words) // one case at a time (caseturn.go)
		return
	}
	reason := h.Reason
	if reason == "" {
		reason = "asked"
	}
	cs := &Case{
		ID:      c.engine.cfg.NewID(),
		Key:     c.s.Key,
		Created: c.now,
		Urgency: urgency,
		Reason:  reason,
		Lang:    c.s.Lang,
		Offered: append([]string(nil), c.s.Offered...),
	}
	if h.Topic != "" {
		cs.Topic = get(h.Topic)
	}
	cs.TopicName, cs.OfferedNames = c.caseTopic(h, cs.Topic), c.offeredNames()
	if h.ForWhom != "" {
		cs.ForWhom = get(h.ForWhom)
	}
	cs.Consent = urgency == UrgencyUrgent || (h.Consent != "" && get(h.Consent) == "tak")
	if cs.Consent {
		cs.Words = words
		if h.Words != "" && words == "" {
			cs.Words = get(h.Words)
		}
		cs.Answers = c.caseAnswers(h)
		if h.Phone != "" {
			cs.Phone = get(h.Phone)
		}
	}
	cs.Contact = "chat"
	if h.Contact != "" && get(h.Contact) != "" {
		cs.Contact = get(h.Contact)
	}
	if cs.Phone == "" && cs.Contact == "phone" {
		cs.Contact = "chat"
	}
	if hours := c.flow.hours; hours != nil && !hours.IsOpen(c.now) {
		cs.OpenNext = hours.NextOpen(c.now)
	}
	c.s.setVar("case_id", cs.ID)
	c.emit(Event{Kind: EventHandoff, Handoff: cs})
	if c.engine.cfg.Desk == nil {
		return // nobody to hold the case: the conversation carries on with the bot
	}
	c.s.Case = cs.ID
	c.s.CaseState, c.s.Staff, c.s.RelayAck, c.s.CaseConsent, c.s.CaseOpened = "", "", false, cs.Consent, c.now
	c.effects = append(c.effects, effect{open: cs, ref: CaseRef{ID: cs.ID, Key: cs.Key}})
}

// triggerApplies: while a case is open the resident talks to a person, so
// words like "człowiek" or "dzień dobry" go to them; commands and erasure
// still work.
func (c *conversation) triggerApplies(t *script.Trigger, text string) bool {
	return c.s.Case == "" || strings.HasPrefix(text, "/") || c.msg.Choice != "" || t.Action == script.ActionErase
}

// caseClaimed is Session.CaseState once a person took the case.
const caseClaimed = "claimed"

// staff applies a staff action to the conversation holding the case.
func (c *conversation) staff(ev StaffEvent) {
	vars := func(name string) string {
		switch name {
		case "staff":
			return ev.Name
		case "text":
			return ev.Text
		}
		return c.lookup(name)
	}
	say := func(key string) {
		c.say(script.Render(c.messageText(key), vars))
		c.closeReply()
	}
	switch ev.Kind {
	case StaffClaimed:
		c.s.CaseState, c.s.Staff = caseClaimed, ev.Name
		say("staff_joined")
	case StaffMessage:
		if strings.TrimSpace(ev.Text) != "" {
			c.staffMessage(ev, vars)
			c.closeReply()
		}
	case StaffUnclaimed:
		if c.s.CaseState != caseClaimed {
			say("case_unclaimed")
		}
	case StaffReleased:
		c.released(say) // caseturn.go
	case StaffClosed, StaffReturned:
		c.s.Case, c.s.CaseState, c.s.Staff, c.s.RelayAck, c.s.CaseConsent, c.s.CaseOpened = "", "", "", false, false, time.Time{}
		c.s.OtherCases = nil
		if ev.Kind == StaffClosed {
			say("case_closed")
		} else {
			say("case_returned")
		}
		if next := c.flow.sc.AfterCase; next != "" {
			c.enter(next)
		}
	}
}

// resolve picks the first branch whose conditions hold.
func (c *conversation) resolve(n script.Next) string {
	for _, b := range n {
		if b.Matches(c.lookup) {
			return b.Goto
		}
	}
	return ""
}

// lookup returns a variable's value: collected answers first, then built-ins.
func (c *conversation) lookup(name string) string {
	if v, ok := c.s.Vars[name]; ok && name != "lang" {
		return v
	}
	return builtin(c.flow, name, c.s.Lang, c)
}

// builtin returns a built-in variable; conv may be nil outside a turn.
func builtin(f *flow, name, lang string, conv ...*conversation) string {
	centre := f.sc.Centre
	switch name {
	case "centre_name":
		return centre.Name
	case "centre_phone":
		return centre.Phone
	case "centre_email":
		return centre.Email
	case "centre_hours":
		return centre.Hours
	case "lang":
		return lang
	case "numbers":
		return emergencyNumbers(f.sc, lang)
	case "typical_wait":
		return f.sc.Message("typical_wait", lang)
	}
	if len(conv) == 0 {
		return ""
	}
	c := conv[0]
	switch name {
	case "staff":
		return c.s.Staff
	case "staff_chat":
		return staffChat(c.engine.cfg.Desk)
	case "open_now":
		if f.hours == nil || f.hours.IsOpen(c.now) {
			return "tak"
		}
		return "nie"
	case "next_open":
		if f.hours == nil || f.hours.IsOpen(c.now) {
			return ""
		}
		next := f.hours.NextOpen(c.now)
		if next.IsZero() {
			return ""
		}
		return officehours.Describe(next, c.now.In(f.hours.Location()), lang)
	}
	return ""
}

func emergencyNumbers(sc *script.Script, lang string) string {
	if sc.Crisis == nil {
		return ""
	}
	var lines []string
	for _, n := range sc.Crisis.Numbers {
		lines = append(lines, "☎ "+n.Number+" — "+n.Label.In(lang))
	}
	return strings.Join(lines, "\n")
}

func (c *conversation) setVars(vars script.Vars) {
	for k, v := range vars {
		v = c.render(v)
		if k == "lang" {
			c.s.Lang = normalizeLang(v)
		}
		if k == c.flow.topicVar && v != "" {
			c.note(needs.Fact{Kind: needs.Topic, Topic: v})
		}
		c.s.setVar(k, v)
	}
}

func (s *Session) setVar(name, value string) {
	if name == "" {
		return
	}
	if s.Vars == nil {
		s.Vars = Vars{}
	}
	s.Vars[name] = value
}

func (c *conversation) text(t script.Text) string {
	return c.render(t.For(c.s.Lang, c.flow.sc.Address))
}

func (c *conversation) render(s string) string { return script.Render(s, c.lookup) }

func (c *conversation) message(key string) string {
	return c.render(c.messageText(key))
}

// messageText is the engine's phrase for key, unrendered, in the
// conversation's language and the script's register.
func (c *conversation) messageText(key string) string {
	return c.flow.sc.MessageFor(key, c.s.Lang)
}

func (c *conversation) choices(st *script.Step) []Choice {
	out := make([]Choice, len(st.Choices))
	for i, ch := range st.Choices {
		out[i] = Choice{ID: ch.ID, Label: c.text(ch.Label)}
	}
	return out
}

func (c *conversation) emit(ev Event) { c.events = append(c.events, ev) }

// say adds text to the reply being built, so that what the bot says in one
// turn arrives in as few messages as possible.
func (c *conversation) say(text string) {
	if text == "" {
		return
	}
	if c.open == nil {
		c.emit(Event{Kind: EventReply, Reply: &Reply{}})
		c.open = c.events[len(c.events)-1].Reply
	}
	if c.open.Text != "" {
		c.open.Text = c.open.Text + "\n\n" + text // one allocation
	} else {
		c.open.Text = text
	}
	c.open.Lang = c.s.Lang
}

// ask ends the reply being built with a question and its choices.
func (c *conversation) ask(text string, choices []Choice) {
	c.say(text)
	if c.open == nil {
		return
	}
	c.open.Choices = choices
	c.open = nil
}

// closeReply makes the next text start a message of its own.
func (c *conversation) closeReply() { c.open = nil }

// staffMark stands for the staff member's words while the staff_message
// template is rendered, to find where they go (a private-use character).
const staffMark = "\uE0FF"

// staffMessage says the staff_message template with the staff member's
// words, and places the words' bold and italic spans (ev.Spans) where the
// words land in the reply. A template that shows the words other than
// once gets no spans: the text is the same, only plain.
func (c *conversation) staffMessage(ev StaffEvent, vars func(string) string) {
	tmpl := c.flow.sc.Message("staff_message", c.s.Lang)
	if len(ev.Spans) == 0 || strings.Contains(ev.Text, staffMark) {
		c.say(script.Render(tmpl, vars))
		return
	}
	marked := script.Render(tmpl, func(name string) string {
		if name == "text" {
			return staffMark
		}
		return vars(name)
	})
	at := strings.Index(marked, staffMark)
	if at < 0 || strings.Count(marked, staffMark) != 1 {
		c.say(script.Render(tmpl, vars))
		return
	}
	text := marked[:at] + ev.Text + marked[at+len(staffMark):]
	base := 0
	if c.open != nil && c.open.Text != "" {
		base = len(c.open.Text) + len("\n\n")
	}
	c.say(text)
	if c.open == nil || text == "" {
		return
	}
	for _, sp := range ev.Spans {
		if sp.Start < 0 || sp.End > len(ev.Text) || sp.Start >= sp.End {
			continue
		}
		sp.Start += base + at
		sp.End += base + at
		c.open.Spans = append(c.open.Spans, sp)
	}
}
