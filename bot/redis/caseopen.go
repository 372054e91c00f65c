package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot/desk"
)

// # Open cases and their last activity
//
// The case book keeps one more shared key, small and separate from the
// conversation keys:
//
//	<prefix>:caseopen   sorted set: open case ids by last activity (ms)
//
// A case enters it when its record is stored open (Put, Claim, Transfer,
// SetStatus back to waiting: score its creation, unless already there),
// leaves it when closed or returned (Put, SetStatus) and when its
// conversation is erased (Erase), and Touch moves its score forward when
// the staff tool reports activity (a claim or transfer, a resident's
// message posted in the thread, a staff reply relayed). Quiet lists the
// claimed cases whose last activity is older than a time, for the morning
// round. It holds case ids only, never a chat id.

// caseOpenPart names the open cases index.
const caseOpenPart = "caseopen"

// quietLimit bounds the cases Quiet reads in one call: the morning round is
// one message, and a Centre with more quiet cases than this has a bigger
// problem than the list's length.
const quietLimit = 100

func (st *Store) openKey() string { return st.cfg.Prefix + ":" + caseOpenPart }

// setOpen keeps the case's membership in the open index in step with its
// status: a closed or returned case leaves it; an open one enters it with
// its creation time, keeping a later activity already recorded.
func (st *Store) setOpen(ctx context.Context, v caseView) error {
	if closedStatus(v.Status) {
		if err := st.client.ZRem(ctx, st.openKey(), v.ID).Err(); err != nil {
			return fmt.Errorf("open cases: %w", err)
		}
		return nil
	}
	created := v.Created
	if created.IsZero() {
		created = st.cfg.Clock()
	}
	err := st.client.ZAddNX(ctx, st.openKey(), goredis.Z{Score: float64(created.UnixMilli()), Member: v.ID}).Err()
	if err != nil {
		return fmt.Errorf("open cases: %w", err)
	}
	return nil
}

// Touch records activity on an open case at the time at (a claim or
// transfer, a resident's message posted in its thread, a staff reply
// relayed): the case is quiet from then on. A case not in the open index
// (closed, erased) is left alone, and an earlier time never moves the
// recorded one back.
func (b *CaseBook) Touch(ctx context.Context, caseID string, at time.Time) error {
	if caseID == "" {
		return errors.New("touch case: empty case id")
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	err := b.st.client.ZAddArgs(ctx, b.st.openKey(), goredis.ZAddArgs{XX: true, GT: true,
		Members: []goredis.Z{{Score: float64(at.UnixMilli()), Member: caseID}}}).Err()
	if err != nil {
		return fmt.Errorf("touch case %s: %w", caseID, err)
	}
	return nil
}

// Quiet lists the claimed cases whose last activity was before before,
// quietest first, at most quietLimit of them, each with the time of that
// activity. Entries whose record is gone or over leave the index.
func (b *CaseBook) Quiet(ctx context.Context, before time.Time) ([]desk.QuietCase, error) {
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	zs, err := st.client.ZRangeArgsWithScores(ctx, goredis.ZRangeArgs{Key: st.openKey(), ByScore: true,
		Start: "-inf", Stop: "(" + strconv.FormatInt(before.UnixMilli(), 10), Count: quietLimit}).Result()
	if err != nil {
		return nil, fmt.Errorf("quiet cases: %w", err)
	}
	var out []desk.QuietCase
	var gone []any
	for _, z := range zs {
		id, _ := z.Member.(string)
		_, data, found, err := st.loadCase(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("quiet cases: case %s: %w", id, err)
		}
		if !found {
			gone = append(gone, id)
			continue
		}
		var v caseView
		var r desk.CaseRecord
		if json.Unmarshal(data, &v) != nil || json.Unmarshal(data, &r) != nil {
			st.log.Warn("case record unreadable", "case", id, "bytes", len(data))
			continue
		}
		switch {
		case closedStatus(v.Status):
			gone = append(gone, id) // a failed ZREM at its close
		case v.Status == caseClaimed && v.Holder != "":
			out = append(out, desk.QuietCase{CaseRecord: r, Since: time.UnixMilli(int64(z.Score)).UTC()})
		}
	}
	if len(gone) > 0 {
		if err := st.client.ZRem(ctx, st.openKey(), gone...).Err(); err != nil {
			st.log.Warn("stale open cases not removed", "count", len(gone), "err", err)
		}
	}
	return out, nil
}
