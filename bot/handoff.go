package bot

import "time"

// Urgency orders handoff cases for organizers.
type Urgency string

// Urgencies of handoff cases.
const (
	UrgencyNormal Urgency = "normal"
	UrgencyUrgent Urgency = "urgent" // crisis: staff must react at once
)

// Case is what organizers receive when a conversation is handed to a person.
// Details (the resident's words, answers, phone) are included only with the
// resident's explicit consent, or in a crisis.
type Case struct {
	ID       string    `json:"id"`
	Key      string    `json:"key"` // Message.Key of the conversation
	Created  time.Time `json:"created"`
	Urgency  Urgency   `json:"urgency"`
	Reason   string    `json:"reason"` // "asked", "not_found", "crisis:<group>", …
	Topic    string    `json:"topic,omitempty"`
	Lang     string    `json:"lang"`
	ForWhom  string    `json:"for_whom,omitempty"`
	Words    string    `json:"words,omitempty"`   // the resident's own description
	Answers  Vars      `json:"answers,omitempty"` // the fields the script lists for the summary
	Offered  []string  `json:"offered,omitempty"` // services the bot suggested
	Contact  string    `json:"contact,omitempty"` // "chat" or "phone"
	Phone    string    `json:"phone,omitempty"`
	Consent  bool      `json:"consent"`
	OpenNext time.Time `json:"open_next,omitempty"` // when a person is expected, if outside office hours
}
