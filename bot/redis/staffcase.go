package redis

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RelayRetention is how long a staff message delivered to a resident stays
// marked (BeginRelay, EndRelay): Slack retries an event for about an hour,
// and a replica restarted within the day still finds the mark.
const RelayRetention = 24 * time.Hour

// The key part of relay marks: <prefix>:staffmsg:<channel>:<ts>. It holds
// "held" while a delivery is in progress, "done" once delivered; no
// conversation, no text.
const relayPart = "staffmsg"

// Transfer gives a case held by from to the user to, atomically (WATCH on
// the record, as Claim). done is false, and nothing changes, when from no
// longer holds the case or it is over. An empty to releases the case to
// the queue: waiting again, without a holder, with no expiry. An unknown
// case is ErrNoCase.
func (b *CaseBook) Transfer(ctx context.Context, caseID, from, to string) (bool, error) {
	if caseID == "" || from == "" {
		return false, errors.New("transfer case: empty case id or holder")
	}
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	var done bool
	var after caseView
	err := st.updateCase(ctx, caseID, func(rec map[string]json.RawMessage, v caseView) bool {
		done = false
		if closedStatus(v.Status) || v.Holder != from {
			return false
		}
		if to == "" {
			// Back in the queue: reminded again, counted from now.
			delete(rec, "holder")
			delete(rec, "reminded")
			rec["status"] = mustJSON(caseWaiting)
			rec["due"] = mustJSON(st.cfg.Clock().UTC().Format(time.RFC3339Nano))
			v.Holder, v.Status = "", caseWaiting
		} else {
			rec["holder"] = mustJSON(to)
			rec["status"] = mustJSON(caseClaimed)
			v.Holder, v.Status = to, caseClaimed
		}
		after, done = v, true
		return true
	}, nil)
	if err != nil {
		return false, fmt.Errorf("transfer case %s: %w", caseID, err)
	}
	if done {
		if err := st.setWaiting(ctx, after); err != nil {
			return true, fmt.Errorf("transfer case %s: %w", caseID, err)
		}
		if err := st.setOpen(ctx, after); err != nil {
			return true, fmt.Errorf("transfer case %s: %w", caseID, err)
		}
	}
	return done, nil
}

// BeginRelay reserves the staff message ts of channel for delivery to the
// resident for hold (SET NX with a random token): token is "" when it was
// delivered within RelayRetention or another attempt (another event id for
// the same message, another replica) holds it now. A reservation whose
// holder crashed ends after hold, so that Slack's next retry delivers it.
// The token is what EndRelay compares before it frees the reservation.
func (b *CaseBook) BeginRelay(ctx context.Context, channel, ts string, hold time.Duration) (token string, err error) {
	k := b.st.relayKey(channel, ts)
	if k == "" {
		return "", errors.New("begin relay: empty channel or ts")
	}
	if hold <= 0 {
		hold = 30 * time.Second
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	tok := "held:" + rand.Text()
	ok, err := b.st.client.SetNX(ctx, k, tok, hold).Result()
	if err != nil {
		return "", fmt.Errorf("begin relay: %w", err)
	}
	if !ok {
		return "", nil
	}
	return tok, nil
}

// releaseRelayScript deletes a relay reservation only while it is still
// the caller's (its token): an attempt slower than its hold must not free
// the reservation a retry took since. One key, so it runs on a Cluster.
var releaseRelayScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// EndRelay ends the reservation token of BeginRelay: a delivered message
// stays marked for RelayRetention (whoever holds it now: it was
// delivered); one not delivered is freed for a retry, but only while the
// reservation is still token's.
func (b *CaseBook) EndRelay(ctx context.Context, channel, ts, token string, delivered bool) error {
	k := b.st.relayKey(channel, ts)
	if k == "" {
		return errors.New("end relay: empty channel or ts")
	}
	if token == "" {
		return errors.New("end relay: no reservation token")
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	var err error
	if delivered {
		err = b.st.client.Set(ctx, k, "done", RelayRetention).Err()
	} else {
		err = releaseRelayScript.Run(ctx, b.st.client, []string{k}, token).Err()
	}
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("end relay: %w", err)
	}
	return nil
}

// relayKey is the key of a staff message's relay mark, or "" without one.
func (st *Store) relayKey(channel, ts string) string {
	return st.messageKey(relayPart, channel, ts)
}

// caseNumberPart is the key of the Centre's case counter.
const caseNumberPart = "casenumber"

// NewCaseID gives the next case number of the Centre, short enough to read
// out on the phone: "K-1", "K-2", … "K-4821" (an INCR, so unique among all
// replicas sharing the Redis). It is the engine's Config.NewID. When Redis
// does not answer within a second, it falls back to a random number that
// cannot collide with the counter's ("K-" and 9 random digits).
func (st *Store) NewCaseID() string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := st.client.Incr(ctx, st.cfg.Prefix+":"+caseNumberPart).Result()
	if err == nil {
		return "K-" + strconv.FormatInt(n, 10)
	}
	st.log.Warn("case number counter failed: random number used", "err", err)
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("K-%09d", binary.BigEndian.Uint64(b[:])%1_000_000_000)
}
