package bot

import (
	"context"
	"errors"
	"time"
)

// SessionFormat is the version of the Session layout. Stores write it with
// every session so that an upgrade can still read older ones.
const SessionFormat = 1

// Session is what the engine remembers about one conversation.
//
// Adding a field? bot/redis writes and reads sessions with a hand-written
// codec (bot/redis/codec.go) that knows every field by name: teach it the
// new one too. TestSessionCodecKeepsEveryField in bot/redis fills every
// field by reflection and fails until the codec keeps it.
type Session struct {
	Format  int    `json:"format"`
	Key     string `json:"key"`     // Message.Key of the conversation
	Version int64  `json:"version"` // incremented by each save; guards concurrent writers
	// Applied is bookkeeping for stores that keep their idempotency records
	// in the session itself (bot/redis: tags of the latest applied event
	// ids). The engine leaves it alone.
	Applied string `json:"applied,omitempty"`
	// LastEvent and LastDelivery are the EventID and DeliveryID of the
	// last message applied: a new delivery of that event (a tap again on a
	// keyboard whose answer was lost) is answered with the question the
	// conversation waits on, not with silence.
	LastEvent    string   `json:"last_event,omitempty"`
	LastDelivery string   `json:"last_delivery,omitempty"`
	Lang         string   `json:"lang"`
	Step         string   `json:"step"` // the step waiting for the resident's answer; "" before start
	Vars         Vars     `json:"vars,omitempty"`
	Misses       int      `json:"misses,omitempty"`  // misunderstood answers in a row
	Offered      []string `json:"offered,omitempty"` // ids of services shown last
	Case         string   `json:"case,omitempty"`    // id of the open handoff case, if any
	// CaseState is "claimed" once a person took the case; Staff is their
	// first name. RelayAck records that the resident was told their words
	// wait for a person.
	CaseState string `json:"case_state,omitempty"`
	Staff     string `json:"staff,omitempty"`
	RelayAck  bool   `json:"relay_ack,omitempty"`
	// CaseConsent: the resident agreed that their words go to staff.
	CaseConsent bool      `json:"case_consent,omitempty"`
	CaseOpened  time.Time `json:"case_opened,omitzero"`  // when the open case was raised
	OtherCases  []string  `json:"other_cases,omitempty"` // earlier cases superseded by an urgent one (erasure reaches them)
	// SafetyCheck is the crisis group of a concern whose question "are you
	// safe?" waits for an answer; Crisis is the group of a crisis reply
	// just given, which the next message may call a false alarm.
	SafetyCheck string    `json:"safety_check,omitempty"`
	SafetyWords string    `json:"safety_words,omitempty"` // the message that raised the concern, for the case if the answer is danger
	Crisis      string    `json:"crisis,omitempty"`
	Started     time.Time `json:"started"`
	Updated     time.Time `json:"updated"`
}

// Vars holds the answers a dialog collected, by variable name.
type Vars map[string]string

// ErrConflict reports that a session changed since it was loaded (another
// replica saved it first): the caller reloads and applies the message again.
var ErrConflict = errors.New("session changed concurrently")

// SessionStore keeps sessions between messages. Implementations: the
// in-process store in bot/memory and Redis in bot/redis.
type SessionStore interface {
	// Load returns the session under key, or nil if there is none, and
	// whether eventID was already applied to it (a redelivery).
	Load(ctx context.Context, key, eventID string) (s *Session, seen bool, err error)
	// Save stores s if its Version is still the stored one (else
	// ErrConflict), increments s.Version, and records eventID as applied.
	Save(ctx context.Context, s *Session, eventID string) error
	// Erase removes everything kept under key: the session, the applied
	// event ids and anything else tied to that conversation.
	Erase(ctx context.Context, key string) error
}

// Clock tells the time; tests inject a fixed one.
type Clock func() time.Time
