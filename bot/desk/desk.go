// Package desk is the vocabulary shared by the staff tool's adapter
// (bot/slack), which consumes these ports, and the store that implements
// them (bot/redis): the durable outbox of work for the staff tool, the book
// of cases and the marks that make deliveries happen once. It imports no
// SDK, so that bot/redis implements the ports directly instead of copying
// the adapter's types by shape, and neither imports the other.
package desk

import (
	"context"
	"time"

	"okienko/bot"
)

// ErrNoCase is returned (wrapped) by a case book for a case id that has no
// record: never stored, expired or erased. Match it with errors.Is.
var ErrNoCase = bot.ErrNoCase

// Outbox is a durable queue of work for the staff tool (post a case card,
// a resident's message in its thread, a note), shared by replicas: an
// entry is removed only after Ack, and entries a crashed consumer left
// pending are handed out again after minIdle.
type Outbox interface {
	Add(ctx context.Context, e OutboxEntry) error
	// Read returns up to count entries for consumer: stuck ones (pending
	// longer than minIdle) first, then new ones, waiting up to block.
	Read(ctx context.Context, consumer string, count int, block, minIdle time.Duration) ([]OutboxEntry, error)
	Ack(ctx context.Context, id string) error
	// Keep renews consumer's hold on entries it is about to try again from
	// memory (their idle time starts anew, so no other consumer takes them
	// as stuck meanwhile) and returns the ids it still holds: an entry
	// another consumer has taken, or that was acked, is no longer this
	// consumer's to deliver.
	Keep(ctx context.Context, consumer string, ids []string) ([]string, error)
}

// OutboxEntry is one piece of work. ID is set by the outbox; Kind names the
// adapter's kind of work and Payload its content (JSON). CaseID ties the
// entry to a case, so that erasing the case's conversation drops it.
type OutboxEntry struct {
	ID      string
	Kind    string
	CaseID  string
	Payload []byte
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

// Over reports a case that is closed or returned to the bot.
func (s CaseStatus) Over() bool { return s == StatusClosed || s == StatusReturned }

// Flags of a waiting case, set once by Queue.Flag.
const (
	FlagReminded = "reminded"  // the unclaimed reminder was posted
	FlagTimedOut = "timed_out" // the resident was offered the phone
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
	Channel  string      `json:"channel,omitempty"`   // the staff tool's channel of the card
	ThreadTS string      `json:"thread_ts,omitempty"` // the card's message id: the case thread
	Holder   string      `json:"holder,omitempty"`    // the staff tool's user id of the holder
	Status   CaseStatus  `json:"status"`
	Reminded bool        `json:"reminded,omitempty"`  // the unclaimed reminder was posted (Flag)
	TimedOut bool        `json:"timed_out,omitempty"` // the resident was offered the phone (Flag)
	// Number is the case's short readable number ("K-4821"), shown on the
	// card and read out on the phone.
	Number string `json:"number,omitempty"`
	// Files are the staff tool's ids of the files the resident sent, so
	// that erasure deletes them there too.
	Files []string `json:"files,omitempty"`
}

// Cases keeps where each case lives in the staff tool and who holds it,
// shared by replicas: what the handlers of staff actions use.
type Cases interface {
	// Put stores or replaces a record.
	Put(ctx context.Context, r CaseRecord) error
	// Get finds a record by case id.
	Get(ctx context.Context, caseID string) (CaseRecord, bool, error)
	// ByThread finds the case whose card is the thread root ts.
	ByThread(ctx context.Context, channel, ts string) (CaseRecord, bool, error)
	// Claim gives the case to user unless someone else holds it: exactly
	// one of concurrent claims wins. It returns the holder after the call.
	Claim(ctx context.Context, caseID, user string) (holder string, won bool, err error)
	// Transfer gives a case held by from to the user to, atomically: false
	// when from no longer holds it (or it is over). An empty to releases
	// the case to the queue (waiting, no holder).
	Transfer(ctx context.Context, caseID, from, to string) (done bool, err error)
	// SetStatus records a case closed or returned (or back to waiting).
	SetStatus(ctx context.Context, caseID string, status CaseStatus) error
	// Touch records activity on an open case at the time at (a claim or
	// transfer, a resident's message posted in its thread, a staff reply
	// relayed), so that Queue.Quiet knows the case is not quiet.
	Touch(ctx context.Context, caseID string, at time.Time) error
}

// Queue is what the watch over unclaimed cases uses.
type Queue interface {
	// Waiting lists open cases nobody has claimed, oldest first.
	Waiting(ctx context.Context) ([]CaseRecord, error)
	// Flag sets flag (FlagReminded, FlagTimedOut) on a case that is still
	// waiting, atomically: of concurrent calls (several replicas) exactly
	// one gets first true, and only that one acts. A flag already set, or a
	// case no longer waiting, gives false. An unknown case is ErrNoCase.
	Flag(ctx context.Context, caseID, flag string) (first bool, err error)
	// Quiet lists claimed cases with no activity (Cases.Touch) since
	// before, quietest first: held, but nobody wrote in them.
	Quiet(ctx context.Context, before time.Time) ([]QuietCase, error)
}

// QuietCase is a claimed case and the time of its last activity.
type QuietCase struct {
	CaseRecord
	Since time.Time
}

// Marks make deliveries happen once across replicas and restarts: outbox
// entries posted to the staff tool, and staff messages relayed to
// residents.
type Marks interface {
	// MarkPosted records, atomically and for about a day, that the outbox
	// entry entryID was posted as the message ts; first is false when it
	// had been recorded already (the entry was posted twice).
	MarkPosted(ctx context.Context, entryID, ts string) (first bool, err error)
	// Posted tells whether the outbox entry was recorded as posted, and as
	// which message.
	Posted(ctx context.Context, entryID string) (ts string, ok bool, err error)
	// BeginRelay reserves a staff message (by its channel and message id,
	// whatever event delivered it) for delivery to the resident for hold:
	// token is "" when it was delivered, or another attempt holds it now.
	BeginRelay(ctx context.Context, channel, ts string, hold time.Duration) (token string, err error)
	// EndRelay records the outcome of the reserved delivery token:
	// delivered marks the message for about a day; not delivered frees it
	// for a retry, unless another attempt reserved it after token's hold.
	EndRelay(ctx context.Context, channel, ts, token string, delivered bool) error
}

// Book is all of the ports, as bot/redis implements them in one type.
type Book interface {
	Cases
	Queue
	Marks
}
