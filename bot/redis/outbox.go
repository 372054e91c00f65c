package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot/desk"
)

// # Outbox
//
// An outbox is a Redis Stream with one consumer group, shared by every
// replica: Add appends an entry (fields kind, case, payload), Read hands
// entries to one consumer at a time, Ack removes them. Its key holds no
// chat id, since all conversations share it:
//
//	<prefix>:outbox:<name>    the stream; its consumer group is "delivery"
//
// Acked entries are deleted from the stream (XACK then XDEL), so the stream
// holds only work not yet done and keeps no personal data after delivery.
// It is also capped at about OutboxMaxLen entries: a backlog beyond that
// (the staff tool down for a very long time) loses the oldest entries.
//
// Payloads may hold a conversation's key or the resident's words. Erasure:
// Store.Erase deletes the entries not yet acked of every case recorded for
// the conversation in the CaseBook, in every outbox created from that Store.

// OutboxMaxLen is the approximate cap on an outbox stream's length (XADD
// MAXLEN ~).
const OutboxMaxLen = 100000

// outboxGroup is the consumer group of every outbox stream.
const outboxGroup = "delivery"

// Stream entry fields.
const (
	fieldKind    = "kind"
	fieldCase    = "case"
	fieldPayload = "payload"
)

// outboxEntry is an entry as the stream keeps it.
type outboxEntry = desk.OutboxEntry

// Outbox is a durable work queue over a Redis Stream with a consumer
// group; it implements desk.Outbox. It is safe for
// concurrent use by many goroutines and many processes.
type Outbox struct {
	s *stream
}

var _ desk.Outbox = (*Outbox)(nil)

// NewOutbox returns the outbox called name (letters, digits and
// "_-.:"; other bytes are escaped in the key), such as "slack".
//
// The stream and its group are created when first used. Store.Erase
// forgets the erased conversation's cases in every outbox created from the
// Store.
func NewOutbox(st *Store, name string) *Outbox {
	var b strings.Builder
	b.WriteString(st.cfg.Prefix)
	b.WriteString(":outbox:")
	escapeTo(&b, name)
	s := &stream{st: st, key: b.String(), group: outboxGroup}
	st.registerStream(s)
	return &Outbox{s: s}
}

// Key is the name of the outbox's stream key.
func (o *Outbox) Key() string { return o.s.key }

// Add appends an entry; its ID is ignored (Redis assigns one).
func (o *Outbox) Add(ctx context.Context, e desk.OutboxEntry) error {
	return o.s.add(ctx, e)
}

// Read returns up to count entries for consumer: entries other consumers
// left pending longer than minIdle first (they are claimed for consumer),
// then new ones, waiting up to block for them when there are none. A block
// of zero or less does not wait. It returns no entries and no error when
// nothing came within block. An entry stays pending until Ack; every entry
// is delivered at least once, and again after minIdle when not acked, so
// the consumer must tolerate a repeat (a slow consumer acking late).
func (o *Outbox) Read(ctx context.Context, consumer string, count int, block, minIdle time.Duration) ([]desk.OutboxEntry, error) {
	return o.s.read(ctx, consumer, count, block, minIdle)
}

// Ack marks the entry done and deletes it from the stream. Acking an entry
// that is already acked or deleted is not an error.
func (o *Outbox) Ack(ctx context.Context, id string) error {
	return o.s.ack(ctx, id)
}

// keepLua re-owns, atomically, the entries of ARGV[3..] that consumer
// ARGV[2] still holds in group ARGV[1] (XCLAIM with no minimum idle time
// resets their idle time) and returns their ids; an entry another consumer
// has claimed, or that is acked, is left alone.
var keepLua = goredis.NewScript(`
local kept = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
`)

// Keep renews consumer's hold on entries it will try again from memory and
// returns the ids it still holds (desk.Outbox): one script on the stream's
// key, so no other replica claims an entry between the check and the renewal.
func (o *Outbox) Keep(ctx context.Context, consumer string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel := o.s.st.bound(ctx)
	defer cancel()
	args := make([]any, 0, len(ids)+2)
	args = append(args, o.s.group, consumer)
	for _, id := range ids {
		args = append(args, id)
	}
	kept, err := keepLua.Run(ctx, o.s.st.client, []string{o.s.key}, args...).StringSlice()
	if err != nil {
		if isNoGroup(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("outbox keep: %w", err)
	}
	return kept, nil
}

// Pending is how many entries were read but not yet acked, for readiness
// and monitoring.
func (o *Outbox) Pending(ctx context.Context) (int64, error) {
	ctx, cancel := o.s.st.bound(ctx)
	defer cancel()
	p, err := o.s.st.client.XPending(ctx, o.s.key, o.s.group).Result()
	if err != nil {
		if isNoGroup(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("outbox pending: %w", err)
	}
	return p.Count, nil
}

// stream is the outbox without its entry type.
type stream struct {
	st    *Store
	key   string
	group string

	mu      sync.Mutex
	grouped bool // the group is known to exist
}

func (s *stream) add(ctx context.Context, e outboxEntry) error {
	if e.Kind == "" {
		return errors.New("outbox add: empty kind")
	}
	ctx, cancel := s.st.bound(ctx)
	defer cancel()
	// The group first: created at id 0, it would also see entries added
	// before it, but creating it here keeps XPENDING and monitoring simple.
	if err := s.ensureGroup(ctx); err != nil {
		return fmt.Errorf("outbox add: %w", err)
	}
	err := s.st.client.XAdd(ctx, &goredis.XAddArgs{
		Stream: s.key,
		MaxLen: OutboxMaxLen,
		Approx: true,
		Values: []any{fieldKind, e.Kind, fieldCase, e.CaseID, fieldPayload, e.Payload},
	}).Err()
	if err != nil {
		return fmt.Errorf("outbox add: %w", err)
	}
	return nil
}

// ensureGroup creates the stream and its group unless this process did it
// already. The group starts at id 0, so entries added before it are
// delivered too.
func (s *stream) ensureGroup(ctx context.Context) error {
	s.mu.Lock()
	done := s.grouped
	s.mu.Unlock()
	if done {
		return nil
	}
	return s.createGroup(ctx)
}

func (s *stream) createGroup(ctx context.Context) error {
	err := s.st.client.XGroupCreateMkStream(ctx, s.key, s.group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group: %w", err)
	}
	s.mu.Lock()
	s.grouped = true
	s.mu.Unlock()
	return nil
}

// isNoGroup tells the error of a stream or group that does not exist, as
// after a Redis restart without persistence.
func isNoGroup(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOGROUP")
}

func (s *stream) read(ctx context.Context, consumer string, count int, block, minIdle time.Duration) ([]outboxEntry, error) {
	if consumer == "" {
		return nil, errors.New("outbox read: empty consumer")
	}
	if count < 1 {
		count = 1
	}
	if minIdle < time.Millisecond {
		minIdle = time.Millisecond
	}
	// The blocking read may take block on top of the usual bound.
	bctx, cancel := context.WithTimeout(ctx, s.st.cfg.OpTimeout+max(block, 0))
	defer cancel()
	if err := s.ensureGroup(bctx); err != nil {
		return nil, fmt.Errorf("outbox read: %w", err)
	}
	out, err := s.claimStuck(bctx, consumer, count, minIdle)
	if isNoGroup(err) {
		// The stream went away (Redis restarted empty): make it again.
		if err := s.createGroup(bctx); err != nil {
			return nil, fmt.Errorf("outbox read: %w", err)
		}
		out, err = s.claimStuck(bctx, consumer, count, minIdle)
	}
	if err != nil {
		return nil, fmt.Errorf("outbox read: reclaim: %w", err)
	}
	if len(out) >= count {
		return out, nil
	}
	args := &goredis.XReadGroupArgs{
		Group:    s.group,
		Consumer: consumer,
		Streams:  []string{s.key, ">"},
		Count:    int64(count - len(out)),
		Block:    -1, // no BLOCK: Redis reads BLOCK 0 as forever
	}
	if len(out) == 0 && block > 0 {
		args.Block = max(block, time.Millisecond)
	}
	res, err := s.st.client.XReadGroup(bctx, args).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return out, nil
	case err != nil:
		if isNoGroup(err) {
			s.mu.Lock()
			s.grouped = false
			s.mu.Unlock()
		}
		return out, fmt.Errorf("outbox read: %w", err)
	}
	for _, st := range res {
		for _, m := range st.Messages {
			out = append(out, s.entry(m))
		}
	}
	return out, nil
}

// claimStuck takes over entries pending longer than minIdle.
func (s *stream) claimStuck(ctx context.Context, consumer string, count int, minIdle time.Duration) ([]outboxEntry, error) {
	var out []outboxEntry
	start := "0-0"
	// A few pages at most: the pending list is short, and a deleted entry
	// found on the way (erasure, trimming) is dropped from it by Redis.
	for range 10 {
		msgs, next, err := s.st.client.XAutoClaim(ctx, &goredis.XAutoClaimArgs{
			Stream:   s.key,
			Group:    s.group,
			Consumer: consumer,
			MinIdle:  minIdle,
			Start:    start,
			Count:    int64(count - len(out)),
		}).Result()
		if err != nil {
			return out, err
		}
		for _, m := range msgs {
			if m.Values == nil {
				continue // deleted while pending (older servers report them so)
			}
			out = append(out, s.entry(m))
		}
		if len(out) >= count || next == "0-0" || next == "" {
			return out, nil
		}
		start = next
	}
	return out, nil
}

// entry reads a stream entry. A missing field reads as empty and is
// reported (without the content).
func (s *stream) entry(m goredis.XMessage) outboxEntry {
	text := func(field string) string {
		v, ok := m.Values[field]
		if !ok {
			s.st.log.Warn("outbox entry lacks a field", "id", m.ID, "field", field)
			return ""
		}
		str, _ := v.(string)
		return str
	}
	return outboxEntry{ID: m.ID, Kind: text(fieldKind), CaseID: text(fieldCase), Payload: []byte(text(fieldPayload))}
}

func (s *stream) ack(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("outbox ack: empty id")
	}
	ctx, cancel := s.st.bound(ctx)
	defer cancel()
	_, err := s.st.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.XAck(ctx, s.key, s.group, id)
		p.XDel(ctx, s.key, id)
		return nil
	})
	if err != nil && !isNoGroup(err) {
		return fmt.Errorf("outbox ack: %w", err)
	}
	return nil
}

// forgetPage is how many entries forget reads per XRANGE.
const forgetPage = 500

// forget acks and deletes every entry of the given cases and returns how
// many there were.
func (s *stream) forget(ctx context.Context, cases map[string]bool) (int, error) {
	ctx, cancel := s.st.bound(ctx)
	defer cancel()
	var ids []string
	start := "-"
	for {
		msgs, err := s.st.client.XRangeN(ctx, s.key, start, "+", forgetPage).Result()
		if err != nil {
			return 0, fmt.Errorf("scan stream: %w", err)
		}
		for _, m := range msgs {
			if c, _ := m.Values[fieldCase].(string); cases[c] {
				ids = append(ids, m.ID)
			}
		}
		if len(msgs) < forgetPage {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	n := len(ids)
	for len(ids) > 0 {
		batch := ids[:min(len(ids), forgetPage)]
		ids = ids[len(batch):]
		_, err := s.st.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.XAck(ctx, s.key, s.group, batch...)
			p.XDel(ctx, s.key, batch...)
			return nil
		})
		if err != nil && isNoGroup(err) {
			// No group yet: the entries were never read, deleting is enough.
			err = s.st.client.XDel(ctx, s.key, batch...).Err()
		}
		if err != nil {
			return 0, fmt.Errorf("delete entries: %w", err)
		}
	}
	return n, nil
}
