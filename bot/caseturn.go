package bot

import (
	"strings"
	"time"

	"okienko/bot/script"
)

// EntryKind says what a line the engine adds to an open case's thread is,
// so that staff tell the resident's own words from the bot's notes and
// cannot miss a crisis.
type EntryKind string

// Kinds of case thread entries.
const (
	EntryResident EntryKind = "resident" // the resident's own words
	EntryNote     EntryKind = "note"     // the bot's note for staff (a button pressed, a repeated request)
	EntryCrisis   EntryKind = "crisis"   // a crisis during the open case: staff must react at once
	EntryFile     EntryKind = "file"     // a file the resident sent (File): the staff tool fetches and shows it
)

// Attachment is a file a resident sent. The engine never reads it: with
// the resident's consent it goes to the open case, where the staff tool
// fetches it from the channel by ID (Telegram's file_id) and uploads it.
type Attachment struct {
	Kind string `json:"kind"` // "photo", "document", "voice", "audio", "video"
	ID   string `json:"id"`   // the channel's file id
	Name string `json:"name,omitempty"`
	Mime string `json:"mime,omitempty"`
	Size int64  `json:"size,omitempty"` // bytes, as the channel reports it
}

// MaxAttachmentBytes is the largest file passed on to staff: what a
// Telegram bot may download (getFile, 20 MB).
const MaxAttachmentBytes = 20 << 20

// Entry is one line for an open case's thread.
type Entry struct {
	Kind EntryKind `json:"kind"`
	Text string    `json:"text"`
	// Reason is the crisis's reason ("crisis:<group>") for EntryCrisis.
	Reason string `json:"reason,omitempty"`
	// File is the resident's file, for EntryFile.
	File *Attachment `json:"file,omitempty"`
}

// relayed passes what the resident typed to the open case instead of the
// flow: while a case is open the resident talks to a person, so a typed
// "2", "tak, dziękuję" or a button's label are words for staff, never an
// answer to the step the conversation waits at. A button press and a
// command are explicit: the bot applies them (pressedInCase tells staff),
// and so are erasure and a crisis, found before. Before a person has
// joined, the resident is told once that the words wait for them and
// where the answer will appear.
func (c *conversation) relayed() bool {
	if c.msg.Choice != "" || strings.HasPrefix(c.msg.Text, "/") {
		return false
	}
	for _, ev := range c.events {
		if ev.Kind == EventCrisis {
			// The rest of a crisis message: staff have the whole message
			// with the alert, and the bot answers what it asked.
			return false
		}
	}
	text := c.msg.Text
	if text == "" && c.msg.Phone != "" {
		text = "📞 " + c.msg.Phone // a shared contact: the number, for the person
	}
	if text == "" {
		return true // nothing to pass on: the bot stays silent as well
	}
	// Without consent, words reach staff only once a person has joined and
	// the resident knows they are talking to them; until then the resident
	// is told to tell the person then.
	if !c.s.CaseConsent && c.s.CaseState != caseClaimed {
		if !c.s.RelayAck {
			c.s.RelayAck = true
			c.say(c.message("relay_later"))
			c.closeReply()
		}
		return true
	}
	c.toCase(Entry{Kind: EntryResident, Text: text})
	if c.s.CaseState != caseClaimed && !c.s.RelayAck {
		c.s.RelayAck = true
		c.say(c.message("relay_waiting"))
		c.closeReply()
	}
	return true
}

// pressedInCase tells staff which button the resident pressed while their
// case is open (they looked for other help, or finished with the bot): a
// person reading the thread sees every step the resident took.
// inCase is the case open before the press (a press that opens one is
// not news to staff).
func (c *conversation) pressedInCase(st *script.Step, inCase string) {
	if c.s.Case == "" || c.s.Case != inCase || c.msg.Choice == "" || c.engine.cfg.Desk == nil {
		return
	}
	label := strings.TrimSpace(c.msg.Text)
	if st != nil {
		for _, ch := range st.Choices {
			if ch.ID == c.msg.Choice {
				label = ch.Label.In("pl")
			}
		}
	}
	if label == "" {
		label = c.msg.Choice
	}
	c.toCase(Entry{Kind: EntryNote, Text: "Mieszkaniec wybrał w rozmowie z botem: „" + label + "”."})
}

// raiseInCase handles a new request for a person while a case is open:
// one case at a time, so it goes to the open case's thread. A crisis is an
// alert on the same case (the staff tool broadcasts it, mentions the
// on-duty group and marks the card urgent), with the resident's words.
func (c *conversation) raiseInCase(h *script.Handoff, urgency Urgency, words string) {
	if urgency == UrgencyUrgent {
		c.toCase(Entry{Kind: EntryCrisis, Text: words, Reason: h.Reason})
		return
	}
	c.toCase(Entry{Kind: EntryNote, Text: "Mieszkaniec ponownie prosi o kontakt."})
}

// toCase queues an entry for the open case's thread, delivered once the
// session is saved.
func (c *conversation) toCase(e Entry) {
	c.effects = append(c.effects, effect{ref: CaseRef{ID: c.s.Case, Key: c.s.Key}, entry: e})
}

// staffChat is the built-in staff_chat: "tak" when staff answer residents
// in the chat (a Desk is configured), else "nie" — scripts then give the
// Centre's phone, e-mail and hours instead of promising an answer.
func staffChat(d Desk) string {
	if d != nil {
		return "tak"
	}
	return "nie"
}

// Session variables the engine keeps for a case card: what the last
// search found (its services' names and their category), so that a case
// raised later in the conversation shows them by name.
const (
	varFoundNames    = "_found_names"
	varFoundCategory = "_found_category"
)

// rememberFound keeps the names and category of the services a search
// found (none: forgotten).
func (c *conversation) rememberFound(found []Service) {
	if len(found) == 0 {
		delete(c.s.Vars, varFoundNames)
		delete(c.s.Vars, varFoundCategory)
		return
	}
	names := make([]string, 0, len(found))
	for _, sv := range found {
		names = append(names, sv.Name)
	}
	c.s.setVar(varFoundNames, strings.Join(names, "\n"))
	c.s.setVar(varFoundCategory, found[0].Category)
}

// offeredNames are the names of the services last suggested.
func (c *conversation) offeredNames() []string {
	if len(c.s.Offered) == 0 || c.s.Vars[varFoundNames] == "" {
		return nil
	}
	return strings.Split(c.s.Vars[varFoundNames], "\n")
}

// caseTopic is the case's topic as staff read it: the label (in Polish,
// staff's language) of the dialog's choice that set the topic, else the
// category of the services found; "" when neither is known.
func (c *conversation) caseTopic(h *script.Handoff, topic string) string {
	if topic == "" {
		topic = c.s.Vars[varFoundCategory]
	}
	if topic == "" {
		return ""
	}
	if h.Topic != "" {
		sc := c.flow.sc
		for _, id := range sc.Order {
			st := sc.Steps[id]
			if st == nil {
				continue
			}
			for _, ch := range st.Choices {
				if ch.Set[h.Topic] == topic {
					if l := ch.Label.In(script.Polish); l != "" {
						return l
					}
				}
			}
		}
	}
	return topic
}

// caseAnswers are the answers the script lists for the card, without
// those the card shows as fields of their own (topic, for whom, the
// resident's words, phone): staff read each once.
func (c *conversation) caseAnswers(h *script.Handoff) Vars {
	if len(h.Summary) == 0 {
		return nil
	}
	shown := map[string]bool{h.Topic: true, h.ForWhom: true, h.Words: true, h.Phone: true, h.Contact: true, h.Consent: true}
	out := Vars{}
	for _, v := range h.Summary {
		if shown[v] {
			continue
		}
		if val := c.lookup(v); val != "" {
			out[v] = val
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// released applies a case given back to the team's queue: nobody holds it
// now, and the resident hears that another person will join.
func (c *conversation) released(say func(key string)) {
	if c.s.CaseState != caseClaimed {
		return
	}
	c.s.CaseState, c.s.Staff = "", ""
	say("case_released")
}

// attached handles a file the resident sent. With a case open and the
// resident's consent (or a person holding the case, whom they know they
// are talking to), it goes to the case thread; otherwise the resident is
// told kindly that the bot cannot read it but a person can. It reports
// whether the message is done (a file without words).
func (c *conversation) attached() bool {
	a := c.msg.Attachment
	if a == nil {
		return false
	}
	switch {
	case c.s.Case == "" || c.engine.cfg.Desk == nil:
		c.say(c.message("attachment_no_case"))
	case a.Size > MaxAttachmentBytes:
		c.say(c.message("attachment_too_big"))
	case !c.s.CaseConsent && c.s.CaseState != caseClaimed:
		c.say(c.message("relay_later"))
	default:
		c.toCase(Entry{Kind: EntryFile, File: a, Text: c.msg.Text})
		c.say(c.message("attachment_sent"))
		c.closeReply()
		return true // the caption went with the file
	}
	c.closeReply()
	return c.msg.Text == ""
}

// OpenAt tells whether the Centre's staff are at work at t, by the
// script's office hours (always, without them): the staff tool's morning
// round of cases left from the day before runs at the first check after
// opening.
func (e *Engine) OpenAt(t time.Time) bool {
	h := e.flow.Load().hours
	return h == nil || h.IsOpen(t)
}
