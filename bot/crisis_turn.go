package bot

import (
	"strings"
	"unicode/utf8"

	"okienko/bot/crisis"
	"okienko/bot/script"
	"okienko/bot/textnorm"
)

// minRestWords is how many words of four letters or more the rest of a
// crisis message needs to be taken as a question of its own ("Gdzie jest
// noclegownia?"), not a greeting or "co mam zrobić".
const minRestWords = 3

// crisisTurn runs on every message before triggers and steps. A crisis
// interrupts with the group's numbers and an urgent case, then the rest of
// the message (the question asked around the danger) is answered as usual.
// A concern lets the turn run and asks at its end whether the resident is
// safe; the answer to that question is read here on the next message. The
// message right after a crisis reply may call it a false alarm. It reports
// whether the message was handled completely.
func (c *conversation) crisisTurn(text string) bool {
	f := c.flow
	if f.crisis == nil || f.sc.Crisis == nil {
		return false
	}
	typed := c.msg.Choice == "" && text != ""
	// A false alarm is called right after the crisis reply; later, "nic mi
	// nie jest" answers something else and must not reach staff as one.
	lastCrisis := c.s.Crisis
	c.s.Crisis = ""
	// A button pressed instead of an answer (or a file without words)
	// leaves the question open: a check on someone's safety does not lapse
	// because they tapped the step's button. No yes/no buttons are offered
	// with the check, so only typed words answer it.
	if g := c.s.SafetyCheck; g != "" && typed {
		earlier := c.s.SafetyWords
		c.s.SafetyCheck, c.s.SafetyWords = "", ""
		if typed && f.crisis.Check(text).Level != crisis.Crisis {
			switch r := f.safetyAnswers.Check(text); {
			case r.Level == crisis.Crisis && r.Group == "unsafe":
				// Staff read the message that raised the concern and the answer.
				c.msg.Text = earlier + " — na pytanie „Czy jesteś teraz bezpieczna/y?” odpowiedź: " + text
				c.crisis(g, "")
				return true
			case r.Level == crisis.Crisis && r.Group == "safe":
				c.say(c.message("crisis_safe"))
				c.closeReply()
				c.reask()
				return true
			}
		}
	}
	if !typed {
		return false
	}
	r := f.crisis.Check(text)
	switch r.Level {
	case crisis.Crisis:
		c.crisis(r.Group, f.crisis.Rest(text))
		return true
	case crisis.Concern:
		if c.s.CaseState != caseClaimed { // a person is already talking with the resident
			c.check, c.s.SafetyWords = r.Group, text
		}
		return false
	}
	if lastCrisis != "" && f.dismissals.Check(text).Level == crisis.Crisis {
		c.dismiss()
		return true
	}
	return false
}

// crisis answers at once with the group's numbers and when staff will see
// the case, raises an urgent case, then answers the rest of the message
// (or continues at crisis.next when there is none).
func (c *conversation) crisis(group, rest string) {
	cr := c.flow.sc.Crisis
	c.emit(Event{Kind: EventCrisis, Crisis: group})
	c.s.Crisis, c.s.SafetyCheck, c.check = group, "", ""
	reply := cr.Reply
	for _, g := range cr.Groups {
		if g.Name == group && len(g.Reply) > 0 {
			reply = g.Reply
		}
	}
	c.say(c.crisisRender(reply.For(c.s.Lang, c.flow.sc.Address), group))
	c.closeReply()
	h := script.Handoff{}
	if tpl := c.flow.handoffTemplate; tpl != nil {
		h = *tpl // the case carries what the script's own handoff collects
	}
	h.Reason, h.Urgency, h.Consent = "crisis:"+group, string(UrgencyUrgent), ""
	c.raise(&h, c.msg.Text)
	if asks(rest) && c.s.CaseState != caseClaimed {
		// The resident also asked something: the crisis reply comes first,
		// the answer follows as it would have. (A person holding the case
		// has the whole message already.)
		c.msg.Text = rest
		c.route(rest)
		return
	}
	if c.msg.Attachment != nil {
		// A file sent with the crisis words is not lost: it goes to the
		// case as any file would (or the resident hears why not). Its
		// caption is in the alert already.
		c.msg.Text = ""
		c.attached()
	}
	if cr.Next != "" {
		c.enter(cr.Next)
	}
}

// safetyCheck ends a turn that raised a concern with one direct question
// and the group's numbers; the next message is read as its answer.
func (c *conversation) safetyCheck() {
	if c.check == "" || c.erased {
		return
	}
	c.emit(Event{Kind: EventConcern, Crisis: c.check})
	c.s.SafetyCheck = c.check
	c.closeReply()
	c.say(c.crisisRender(c.messageText("crisis_check"), c.check))
	c.closeReply()
	c.check = ""
}

// dismiss takes the resident's word that the last crisis reply was a false
// alarm: staff are told on the case (which stays open: a person in danger
// may be made to say so), and the conversation goes on.
func (c *conversation) dismiss() {
	if c.s.Case != "" && c.engine.cfg.Desk != nil {
		note := "Mieszkaniec pisze, że to był fałszywy alarm: " + c.msg.Text
		c.toCase(Entry{Kind: EntryNote, Text: note})
	}
	c.say(c.message("crisis_dismissed"))
	c.closeReply()
	c.reask()
}

// reask repeats the question the conversation waits on.
func (c *conversation) reask() {
	if st := c.current(); st != nil {
		c.ask(c.text(st.Ask), c.choices(st))
	}
}

// crisisRender fills a crisis text: {{numbers}} are the group's numbers in
// its order, {{staff_when}} says honestly when staff will see the case.
func (c *conversation) crisisRender(text, group string) string {
	return script.Render(text, func(name string) string {
		switch name {
		case "numbers":
			var lines []string
			for _, n := range c.flow.sc.Crisis.GroupNumbers(group) {
				lines = append(lines, "☎ "+n.Number+" — "+n.Label.In(c.s.Lang))
			}
			return strings.Join(lines, "\n")
		case "staff_when":
			if h := c.flow.hours; h != nil && !h.IsOpen(c.now) && !h.NextOpen(c.now).IsZero() {
				return c.message("crisis_staff_closed")
			}
			return c.message("crisis_staff_open")
		}
		return c.lookup(name)
	})
}

// asks reports whether the rest of a crisis message says enough to be
// answered on its own.
func asks(rest string) bool {
	n := 0
	for _, w := range textnorm.Words(rest) {
		if utf8.RuneCountInString(w) >= 4 {
			n++
		}
	}
	return n >= minRestWords
}
