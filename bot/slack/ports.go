package slack

import (
	"context"
	"time"

	"okienko/bot"
)

// Engine is the part of the bot this adapter drives: staff actions on
// cases (claim, a message for the resident, close, return, unclaimed
// timeout). The wiring delivers the engine's replies to the resident's
// channel.
type Engine interface {
	Staff(ctx context.Context, ev bot.StaffEvent) error
}

// Outbox is a durable queue of work for Slack (post a case card, post a
// resident's message in a thread, post a note), shared by replicas: an
// entry is removed only after Ack, and entries a crashed consumer left
// pending are handed out again after MinIdle. Implemented over Redis
// Streams by bot/redis.
type Outbox interface {
	Add(ctx context.Context, e OutboxEntry) error
	// Read returns up to count entries for consumer: stuck ones (pending
	// longer than minIdle) first, then new ones, waiting up to block.
	Read(ctx context.Context, consumer string, count int, block, minIdle time.Duration) ([]OutboxEntry, error)
	Ack(ctx context.Context, id string) error
}

// OutboxEntry is one piece of work. ID is set by the outbox.
type OutboxEntry struct {
	ID      string
	Kind    string // "case", "relay", "note"
	CaseID  string
	Payload []byte // JSON of the kind's content
}

// ErrNoCase is what a CaseBook returns (wrapped) for a case id without a
// record: Claim, SetStatus and Flag of an unknown, expired or erased case.
// It is bot.ErrNoCase, shared through package bot so that implementations
// (bot/redis) need not import this package; match it with errors.Is.
var ErrNoCase = bot.ErrNoCase

// Flags of a waiting case, set once by CaseBook.Flag.
const (
	FlagReminded = "reminded"  // the unclaimed reminder was posted
	FlagTimedOut = "timed_out" // the resident was offered the phone
)

// CaseBook keeps where each case lives in Slack and who holds it, shared
// by replicas. Implemented by bot/redis.
type CaseBook interface {
	// Put stores or replaces a record.
	Put(ctx context.Context, r CaseRecord) error
	// Get finds a record by case id.
	Get(ctx context.Context, caseID string) (CaseRecord, bool, error)
	// ByThread finds the case whose card is the thread root ts.
	ByThread(ctx context.Context, channel, ts string) (CaseRecord, bool, error)
	// Claim gives the case to user unless someone else holds it: exactly
	// one of concurrent claims wins. It returns the holder after the call.
	Claim(ctx context.Context, caseID, user string) (holder string, won bool, err error)
	// SetStatus records a case closed or returned (or back to waiting).
	SetStatus(ctx context.Context, caseID string, status CaseStatus) error
	// Waiting lists open cases nobody has claimed, oldest first.
	Waiting(ctx context.Context) ([]CaseRecord, error)
	// Flag sets flag (FlagReminded, FlagTimedOut) on a case that is still
	// waiting, atomically: of concurrent calls (several replicas) exactly
	// one gets first true, and only that one acts. A flag already set, or a
	// case no longer waiting, gives false. An unknown case is ErrNoCase.
	Flag(ctx context.Context, caseID, flag string) (first bool, err error)

	// MarkPosted records, atomically and for about a day, that the outbox
	// entry entryID was posted as the message ts; first is false when it
	// had been recorded already (the entry was posted twice).
	MarkPosted(ctx context.Context, entryID, ts string) (first bool, err error)
	// Posted tells whether the outbox entry was recorded as posted, and as
	// which message.
	Posted(ctx context.Context, entryID string) (ts string, ok bool, err error)
}

// CaseStatus is where a case stands.
type CaseStatus string

// Case statuses.
const (
	StatusWaiting  CaseStatus = "waiting"
	StatusClaimed  CaseStatus = "claimed"
	StatusClosed   CaseStatus = "closed"
	StatusReturned CaseStatus = "returned"
)

// CaseRecord is a case as the staff side tracks it. Created is when the
// case was made; Due is when a person is expected to take it: Created, or
// the next opening of the office for a case made outside office hours.
// Reminders and the phone offer count from Due (from Created when Due is
// zero, in records written before it existed).
type CaseRecord struct {
	ID       string      `json:"id"`
	Key      string      `json:"key"` // the conversation (bot.Message.Key)
	Urgency  bot.Urgency `json:"urgency"`
	Created  time.Time   `json:"created"`
	Due      time.Time   `json:"due,omitzero"`
	Channel  string      `json:"channel,omitempty"`   // Slack channel of the card
	ThreadTS string      `json:"thread_ts,omitempty"` // the card's ts: the case thread
	Holder   string      `json:"holder,omitempty"`    // Slack user id of the claimer
	Status   CaseStatus  `json:"status"`
	Reminded bool        `json:"reminded,omitempty"`  // the unclaimed reminder was posted (Flag)
	TimedOut bool        `json:"timed_out,omitempty"` // the resident was offered the phone (Flag)
}
