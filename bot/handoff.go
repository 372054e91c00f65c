package bot

import (
	"context"
	"errors"
	"time"
)

// ErrNoCase is returned (wrapped) by a staff tool's case book for a case id
// that has no record (never stored, expired or erased); bot/desk names it
// for the ports. Match it with errors.Is.
var ErrNoCase = errors.New("no such case")

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
	ID      string    `json:"id"`
	Key     string    `json:"key"` // Message.Key of the conversation
	Created time.Time `json:"created"`
	Urgency Urgency   `json:"urgency"`
	Reason  string    `json:"reason"` // "asked", "not_found", "crisis:<group>", …
	Topic   string    `json:"topic,omitempty"`
	Lang    string    `json:"lang"`
	ForWhom string    `json:"for_whom,omitempty"`
	Words   string    `json:"words,omitempty"`   // the resident's own description
	Answers Vars      `json:"answers,omitempty"` // the fields the script lists for the summary
	Offered []string  `json:"offered,omitempty"` // ids of the services the bot suggested
	// TopicName is the topic as staff read it (the dialog's label of the
	// topic chosen, else the category of the services found); Topic stays
	// the script's value, which the needs report counts.
	TopicName string `json:"topic_name,omitempty"`
	// OfferedNames are the names of the services suggested, when known.
	OfferedNames []string  `json:"offered_names,omitempty"`
	Contact      string    `json:"contact,omitempty"` // "chat" or "phone"
	Phone        string    `json:"phone,omitempty"`
	Consent      bool      `json:"consent"`
	OpenNext     time.Time `json:"open_next,omitempty"` // when a person is expected, if outside office hours
}

// CaseRef names an open case and its conversation.
type CaseRef struct {
	ID  string `json:"id"`
	Key string `json:"key"` // Message.Key of the conversation
}

// Desk is where cases go to the Centre's staff (Slack). The engine hands it
// a case once the session that holds it is saved, relays what happens in
// the conversation while the case is open (Entry: the resident's words,
// the bot's notes, a crisis), and tells it when the resident erased
// their data. Implementations queue durably (an outage of the staff tool
// delays, never loses) and return quickly.
type Desk interface {
	Open(ctx context.Context, c Case) error
	Relay(ctx context.Context, ref CaseRef, e Entry) error
	Erased(ctx context.Context, ref CaseRef) error
}

// StaffKind is what a member of staff did with a case.
type StaffKind string

// What staff can do with a case.
const (
	StaffClaimed   StaffKind = "claimed"   // a person took the case
	StaffMessage   StaffKind = "message"   // words meant for the resident
	StaffClosed    StaffKind = "closed"    // the case is done
	StaffReturned  StaffKind = "returned"  // handed back to the bot without being solved
	StaffUnclaimed StaffKind = "unclaimed" // nobody took the case in time: offer the phone
	StaffReleased  StaffKind = "released"  // the holder gave the case back to the team's queue
)

// StaffEvent is a staff action on a case, delivered to the engine by the
// staff tool's adapter. EventID makes redeliveries harmless.
type StaffEvent struct {
	Kind    StaffKind
	Case    CaseRef
	Name    string // the staff member's first name, shown to the resident (StaffClaimed: the new holder after a transfer)
	Text    string // for StaffMessage
	Spans   []Span // for StaffMessage: bold and italic runs of Text
	EventID string
}
