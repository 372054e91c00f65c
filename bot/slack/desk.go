package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

var _ bot.Desk = (*Desk)(nil)

// Kinds of outbox entries.
const (
	kindCase  = "case"  // Payload: bot.Case
	kindRelay = "relay" // Payload: relayPayload
	kindNote  = "note"  // Payload: notePayload
)

type relayPayload struct {
	Key    string          `json:"key"`
	Text   string          `json:"text"`
	Kind   bot.EntryKind   `json:"kind,omitempty"` // empty in entries queued before kinds: the resident's words
	Reason string          `json:"reason,omitempty"`
	File   *bot.Attachment `json:"file,omitempty"`
}

type notePayload struct {
	Key       string `json:"key,omitempty"`
	Text      string `json:"text"`
	Erased    bool   `json:"erased,omitempty"`    // also strip the card of the resident's details
	Broadcast bool   `json:"broadcast,omitempty"` // also show the note in the channel (reminders)
	// Where the card is, for an erasure note: the case's record may be
	// erased before the note is delivered.
	CaseID   string   `json:"case_id,omitempty"`
	Channel  string   `json:"channel,omitempty"`
	ThreadTS string   `json:"thread_ts,omitempty"`
	Files    []string `json:"files,omitempty"` // the resident's files in Slack, deleted with the erasure
}

// Desk hands cases to organizers in Slack. Open, Relay and Erased only
// queue work in the durable outbox; Run delivers it. EventsHandler and
// InteractivityHandler (or RunSocketMode) take the organizers' actions
// back to the engine.
type Desk struct {
	cfg    Config
	api    *slackapi.Client
	staff  StaffHandler
	outbox desk.Outbox
	cases  desk.Cases
	queue  desk.Queue
	marks  desk.Marks
	files  FileSource
	log    *slog.Logger

	seen    *lru // event ids and interactions handled by this process
	posted  *lru // outbox entries posted by this process (relays, notes); the case book marks them for all replicas
	members *memberCache
	names   *nameCache
	serial  *serializer
	sem     chan struct{} // bounds asynchronous processing

	retryBase time.Duration // first wait after a failed delivery; 1 s

	life   context.Context // asynchronous processing; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New checks the config and fills its defaults. It makes no call to Slack.
func New(cfg Config, deps Deps) (*Desk, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, configError(err)
	}
	if deps.Staff == nil || deps.Outbox == nil || deps.Cases == nil || deps.Queue == nil || deps.Marks == nil {
		return nil, configError(errors.New("staff handler, outbox, cases, queue and marks are required"))
	}
	d := &Desk{
		cfg:    cfg,
		api:    newClient(cfg),
		staff:  deps.Staff,
		outbox: deps.Outbox,
		cases:  deps.Cases,
		queue:  deps.Queue,
		marks:  deps.Marks,
		files:  deps.Files,
		log:    cfg.Logger.With("component", "slack"),
		seen:   newLRU(4096),
		posted: newLRU(4096),
		serial: newSerializer(),
		sem:    make(chan struct{}, cfg.Workers),
	}
	d.members = &memberCache{ttl: cfg.MembersTTL, clock: cfg.Clock}
	d.names = &nameCache{ttl: cfg.NamesTTL, clock: cfg.Clock, m: map[string]nameEntry{}}
	d.life, d.cancel = context.WithCancel(context.Background())
	return d, nil
}

// Close stops the processing of acknowledged requests still running and
// waits for it to end. The outbox keeps whatever was not delivered.
func (d *Desk) Close() {
	d.cancel()
	d.wg.Wait()
}

// Open queues a case card for the staff channel.
func (d *Desk) Open(ctx context.Context, c bot.Case) error {
	if c.ID == "" {
		return errors.New("slack desk: case without id")
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("slack desk: encode case: %w", err)
	}
	if err := d.outbox.Add(ctx, desk.OutboxEntry{Kind: kindCase, CaseID: c.ID, Payload: b}); err != nil {
		return fmt.Errorf("slack desk: queue case %s: %w", c.ID, err)
	}
	return nil
}

// Relay queues an entry for the case thread: the resident's words, the
// bot's note, or a crisis alert (broadcast to the channel, the on-duty
// group mentioned, the card marked urgent).
func (d *Desk) Relay(ctx context.Context, ref bot.CaseRef, e bot.Entry) error {
	b, _ := json.Marshal(relayPayload{Key: ref.Key, Text: e.Text, Kind: e.Kind, Reason: e.Reason, File: e.File})
	if err := d.outbox.Add(ctx, desk.OutboxEntry{Kind: kindRelay, CaseID: ref.ID, Payload: b}); err != nil {
		return fmt.Errorf("slack desk: queue relay for case %s: %w", ref.ID, err)
	}
	return nil
}

// Erased queues a note that the resident had their data erased; the card
// is stripped of their details and the case stops waiting.
//
// When the card is already in Slack, the note carries the card's channel
// and ts and no case id: the session store's erasure deletes a case's
// records and its pending outbox entries (by case id), and the note must
// outlive both. Nothing personal is in it. A card not posted yet is queued
// under the case id and goes with the erasure.
func (d *Desk) Erased(ctx context.Context, ref bot.CaseRef) error {
	p := notePayload{Text: textErased, Erased: true, CaseID: ref.ID}
	entry := desk.OutboxEntry{Kind: kindNote, CaseID: ref.ID}
	if rec, found, err := d.cases.Get(ctx, ref.ID); err == nil && found && rec.ThreadTS != "" {
		p.Channel, p.ThreadTS, p.Files = rec.Channel, rec.ThreadTS, rec.Files
		entry.CaseID = ""
	}
	entry.Payload, _ = json.Marshal(p)
	if err := d.outbox.Add(ctx, entry); err != nil {
		return fmt.Errorf("slack desk: queue erasure note for case %s: %w", ref.ID, err)
	}
	return nil
}

// async runs fn after a request was acknowledged, bounded by Workers and
// serialised per key (a case thread), so that an organizer's messages
// reach the resident in order.
func (d *Desk) async(key string, fn func(ctx context.Context)) {
	d.wg.Add(1)
	d.serial.do(key, func() {
		defer d.wg.Done()
		select {
		case d.sem <- struct{}{}:
		case <-d.life.Done():
			return
		}
		defer func() { <-d.sem }()
		fn(d.life)
	})
}
