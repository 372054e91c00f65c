package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot/desk"
)

// # Case book
//
// The case book keeps where each handoff case lives in the staff tool and
// who holds it. A record is JSON under a key of its conversation, so that
// Erase removes it with the conversation; three shared keys find it:
//
//	<prefix>:case:{<chat>}:<case>        the record (JSON)
//	<prefix>:caseidx:<case>              the conversation key of the case
//	<prefix>:casethread:<channel>:<ts>   the case whose card is that thread
//	<prefix>:casewaiting                 sorted set: waiting case ids by creation (ms)
//	<prefix>:caseopen                    sorted set: open case ids by last activity (ms; caseopen.go)
//	<prefix>:caseposted:<entry>          the staff tool's message id (ts) of a posted outbox entry
//
// The index <prefix>:caseidx:<case> holds the conversation key, so Erase
// deletes it, and the thread index and the waiting entry, for each case
// recorded under the conversation before deleting the conversation's keys.
// Case ids are random and hold no chat id.
//
// The posted marks (MarkPosted) hold an outbox entry id and a Slack ts,
// nothing about the conversation, and expire after PostedRetention.
//
// Lifetimes: records of open cases (waiting, claimed) and their index keys
// have no expiry; SetStatus (or Put) with closed or returned gives them
// ClosedCaseRetention. When the session's case closes (a save without the
// case), the record and its index keys get the retention
// too unless they already expire.
//
// In Redis Cluster the record and the shared keys live in different slots:
// Claim and SetStatus are atomic on the record (WATCH on one key), and the
// shared keys follow; Waiting checks every record it lists, so an index
// that lags behind is never shown.

// ErrNoCase is returned (wrapped) by Claim, Transfer, SetStatus and Flag
// for a case id that has no record: desk.ErrNoCase, matched with errors.Is.
var ErrNoCase = desk.ErrNoCase

// PostedRetention is how long MarkPosted remembers that an outbox entry was
// posted. An entry is acknowledged right after it is posted, so a
// redelivery comes within minutes; a day is ample.
const PostedRetention = 24 * time.Hour

// The kinds and names of case book keys.
const (
	kindCase        = "case"
	caseIndexPart   = "caseidx"
	caseThreadPart  = "casethread"
	caseWaitingPart = "casewaiting"
	casePostedPart  = "caseposted"
)

// The flags Flag sets: boolean fields of desk.CaseRecord.
const (
	flagReminded = desk.FlagReminded
	flagTimedOut = desk.FlagTimedOut
)

// Case statuses, as stored in records.
const (
	caseWaiting  = string(desk.StatusWaiting)
	caseClaimed  = string(desk.StatusClaimed)
	caseClosed   = string(desk.StatusClosed)
	caseReturned = string(desk.StatusReturned)
)

// caseView is the part of a stored record the case book itself reads. The
// JSON names are those of desk.CaseRecord; the record is edited as a JSON
// object, so that fields this version does not know survive an update.
type caseView struct {
	ID       string    `json:"id"`
	Key      string    `json:"key"`
	Created  time.Time `json:"created"`
	Channel  string    `json:"channel"`
	ThreadTS string    `json:"thread_ts"`
	Holder   string    `json:"holder"`
	Status   string    `json:"status"`
}

// CaseBook keeps the staff tool's case records (desk.CaseRecord) in Redis
// and implements desk.Book: the cases, the queue of unclaimed ones and the
// delivery marks. It is safe for concurrent use by many goroutines and many
// processes.
type CaseBook struct {
	st *Store
}

var _ desk.Book = (*CaseBook)(nil)

// NewCaseBook returns the case book of the store.
func NewCaseBook(st *Store) *CaseBook {
	return &CaseBook{st: st}
}

// Put stores or replaces a record. Its id, conversation key and a known
// status are required. A waiting record enters the waiting list; a closed
// or returned one gets ClosedCaseRetention, an open one no expiry.
func (b *CaseBook) Put(ctx context.Context, r desk.CaseRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("put case: encode: %w", err)
	}
	var v caseView
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("put case: not a record object: %w", err)
	}
	switch {
	case v.ID == "" || v.Key == "":
		return errors.New("put case: empty case id or conversation key")
	case !knownStatus(v.Status):
		return fmt.Errorf("put case %s: unknown status %q", v.ID, v.Status)
	}
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	// A replaced record may have lived elsewhere: drop its stale keys.
	if oldChat, oldData, found, err := st.loadCase(ctx, v.ID); err != nil {
		return fmt.Errorf("put case %s: %w", v.ID, err)
	} else if found {
		var old caseView
		_ = json.Unmarshal(oldData, &old) // unreadable: nothing to clean
		var stale []string
		if oldChat != v.Key {
			stale = append(stale, st.Key(kindCase, oldChat, v.ID))
		}
		if tk := st.threadKey(old.Channel, old.ThreadTS); tk != "" && tk != st.threadKey(v.Channel, v.ThreadTS) {
			stale = append(stale, tk)
		}
		if err := st.delEach(ctx, stale); err != nil {
			return fmt.Errorf("put case %s: %w", v.ID, err)
		}
	}
	ttl := time.Duration(0) // no expiry: SET without a TTL also removes one
	if closedStatus(v.Status) {
		ttl = st.cfg.ClosedCaseRetention
	}
	// The record first, then the indexes that lead to it, then the waiting
	// list (Waiting drops entries whose index is missing).
	if _, err := st.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		rec := st.Key(kindCase, v.Key, v.ID)
		st.track(ctx, p, v.Key, ttl, rec) // in the conversation's key index, for Erase
		p.Set(ctx, rec, data, ttl)
		return nil
	}); err != nil {
		return fmt.Errorf("put case %s: %w", v.ID, err)
	}
	_, err = st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Set(ctx, st.caseIndexKey(v.ID), v.Key, ttl)
		if tk := st.threadKey(v.Channel, v.ThreadTS); tk != "" {
			p.Set(ctx, tk, v.ID, ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put case %s: index: %w", v.ID, err)
	}
	if err := st.setWaiting(ctx, v); err != nil {
		return fmt.Errorf("put case %s: %w", v.ID, err)
	}
	if err := st.setOpen(ctx, v); err != nil {
		return fmt.Errorf("put case %s: %w", v.ID, err)
	}
	return nil
}

// Get finds a record by case id.
func (b *CaseBook) Get(ctx context.Context, caseID string) (desk.CaseRecord, bool, error) {
	var r desk.CaseRecord
	if caseID == "" {
		return r, false, errors.New("get case: empty case id")
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	_, data, found, err := b.st.loadCase(ctx, caseID)
	if err != nil || !found {
		if err != nil {
			err = fmt.Errorf("get case %s: %w", caseID, err)
		}
		return r, false, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		b.st.log.Warn("case record unreadable", "case", caseID, "bytes", len(data))
		return r, false, fmt.Errorf("get case %s: unreadable record", caseID)
	}
	return r, true, nil
}

// ByThread finds the case whose card is the thread root ts in channel.
func (b *CaseBook) ByThread(ctx context.Context, channel, ts string) (desk.CaseRecord, bool, error) {
	var r desk.CaseRecord
	tk := b.st.threadKey(channel, ts)
	if tk == "" {
		return r, false, errors.New("case by thread: empty channel or ts")
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	id, err := b.st.client.Get(ctx, tk).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return r, false, nil
	case err != nil:
		return r, false, fmt.Errorf("case by thread: %w", err)
	}
	_, data, found, err := b.st.loadCase(ctx, id)
	if err != nil {
		return r, false, fmt.Errorf("case by thread: %w", err)
	}
	var v caseView
	if !found || json.Unmarshal(data, &v) != nil || v.Channel != channel || v.ThreadTS != ts {
		return r, false, nil // a stale index entry
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, false, fmt.Errorf("case by thread: case %s: unreadable record", id)
	}
	return r, true, nil
}

// claimAttempts bounds the optimistic retries of Claim and SetStatus. A
// claim retries at most once per competing write, and competing claims
// stop writing once one has won.
const claimAttempts = 50

// Claim gives the case to user unless someone else holds it: of concurrent
// claims by several replicas exactly one wins. It returns the holder after
// the call, and won true when user holds the case (also when user already
// held it: a repeated click). A closed or returned case is not claimed
// (won false, holder as recorded). An unknown case is ErrNoCase.
func (b *CaseBook) Claim(ctx context.Context, caseID, user string) (string, bool, error) {
	if caseID == "" || user == "" {
		return "", false, errors.New("claim case: empty case id or user")
	}
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	var holder string
	var won, wrote bool
	var after caseView
	err := st.updateCase(ctx, caseID, func(rec map[string]json.RawMessage, v caseView) bool {
		holder, won, wrote, after = v.Holder, false, false, v
		if closedStatus(v.Status) {
			return false
		}
		if v.Holder != "" {
			won = v.Holder == user
			return false
		}
		rec["holder"] = mustJSON(user)
		rec["status"] = mustJSON(caseClaimed)
		holder, won, wrote = user, true, true
		return true
	}, nil)
	if err != nil {
		return "", false, fmt.Errorf("claim case %s: %w", caseID, err)
	}
	if wrote {
		if err := st.client.ZRem(ctx, st.waitingKey(), caseID).Err(); err != nil {
			// Waiting skips claimed records anyway.
			st.log.Warn("claimed case left in the waiting list", "case", caseID, "err", err)
		}
		if err := st.setOpen(ctx, after); err != nil {
			st.log.Warn("claimed case not in the open cases", "case", caseID, "err", err)
		}
	}
	return holder, won, nil
}

// SetStatus records a case closed or returned, or back to waiting (which
// lets go of its holder). Claimed is set by Claim only. Closed and returned
// records and their index keys get ClosedCaseRetention; a case set back to
// waiting loses any expiry. An unknown case is ErrNoCase.
func (b *CaseBook) SetStatus(ctx context.Context, caseID string, status desk.CaseStatus) error {
	s := string(status)
	switch {
	case caseID == "":
		return errors.New("set case status: empty case id")
	case s == caseClaimed:
		return fmt.Errorf("set case %s status: %q is set by Claim", caseID, s)
	case !knownStatus(s):
		return fmt.Errorf("set case %s status: unknown status %q", caseID, s)
	}
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	ttl := time.Duration(0)
	if closedStatus(s) {
		ttl = st.cfg.ClosedCaseRetention
	}
	var after caseView
	err := st.updateCase(ctx, caseID, func(rec map[string]json.RawMessage, v caseView) bool {
		rec["status"] = mustJSON(s)
		if s == caseWaiting {
			delete(rec, "holder")
			v.Holder = ""
		}
		v.Status = s
		after = v
		return true
	}, &ttl)
	if err != nil {
		return fmt.Errorf("set case %s status: %w", caseID, err)
	}
	_, err = st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range []string{st.caseIndexKey(caseID), st.threadKey(after.Channel, after.ThreadTS)} {
			switch {
			case k == "":
			case ttl > 0:
				p.PExpire(ctx, k, ttl)
			default:
				p.Persist(ctx, k)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set case %s status: index: %w", caseID, err)
	}
	if err := st.setWaiting(ctx, after); err != nil {
		return fmt.Errorf("set case %s status: %w", caseID, err)
	}
	if err := st.setOpen(ctx, after); err != nil {
		return fmt.Errorf("set case %s status: %w", caseID, err)
	}
	return nil
}

// Flag sets the boolean field flag ("reminded" or "timed_out") of a case
// that is still waiting and unclaimed, atomically (WATCH on the record, as
// Claim): of concurrent calls by several replicas exactly one gets first
// true, and only then should it act (post the reminder). A flag already
// set, or a case claimed, closed or returned, gives first false and changes
// nothing. An unknown case is ErrNoCase. The record keeps its expiry.
func (b *CaseBook) Flag(ctx context.Context, caseID, flag string) (bool, error) {
	switch {
	case caseID == "":
		return false, errors.New("flag case: empty case id")
	case flag != flagReminded && flag != flagTimedOut:
		return false, fmt.Errorf("flag case %s: unknown flag %q", caseID, flag)
	}
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	var first bool
	err := st.updateCase(ctx, caseID, func(rec map[string]json.RawMessage, v caseView) bool {
		first = false
		if v.Status != caseWaiting || v.Holder != "" {
			return false
		}
		var set bool
		if raw, ok := rec[flag]; ok && json.Unmarshal(raw, &set) == nil && set {
			return false
		}
		rec[flag] = json.RawMessage("true")
		first = true
		return true
	}, nil)
	if err != nil {
		return false, fmt.Errorf("flag case %s %s: %w", caseID, flag, err)
	}
	return first, nil
}

// MarkPosted records that the outbox entry entryID was posted as the
// message ts, unless it was recorded before (SET NX, PostedRetention): first
// is false when another attempt, maybe on another replica, had recorded it
// already, that is when the entry was posted twice.
func (b *CaseBook) MarkPosted(ctx context.Context, entryID, ts string) (bool, error) {
	if entryID == "" || ts == "" {
		return false, errors.New("mark posted: empty entry id or ts")
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	first, err := b.st.client.SetNX(ctx, b.st.postedKey(entryID), ts, PostedRetention).Result()
	if err != nil {
		return false, fmt.Errorf("mark posted %s: %w", entryID, err)
	}
	return first, nil
}

// Posted tells whether the outbox entry entryID was recorded as posted
// (within PostedRetention), and as which message.
func (b *CaseBook) Posted(ctx context.Context, entryID string) (string, bool, error) {
	if entryID == "" {
		return "", false, errors.New("posted: empty entry id")
	}
	ctx, cancel := b.st.bound(ctx)
	defer cancel()
	ts, err := b.st.client.Get(ctx, b.st.postedKey(entryID)).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("posted %s: %w", entryID, err)
	}
	return ts, true, nil
}

// Waiting lists open cases nobody has claimed, oldest first (by their
// created time).
func (b *CaseBook) Waiting(ctx context.Context) ([]desk.CaseRecord, error) {
	st := b.st
	ctx, cancel := st.bound(ctx)
	defer cancel()
	ids, err := st.client.ZRange(ctx, st.waitingKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("waiting cases: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	idx := make([]*goredis.StringCmd, len(ids))
	if _, err := st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			idx[i] = p.Get(ctx, st.caseIndexKey(id))
		}
		return nil
	}); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("waiting cases: index: %w", err)
	}
	recs := make([]*goredis.StringCmd, len(ids))
	if _, err := st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			if chat, err := idx[i].Result(); err == nil {
				recs[i] = p.Get(ctx, st.Key(kindCase, chat, id))
			}
		}
		return nil
	}); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("waiting cases: records: %w", err)
	}
	var out []desk.CaseRecord
	var gone []any
	for i, id := range ids {
		if recs[i] == nil {
			gone = append(gone, id)
			continue
		}
		data, err := recs[i].Bytes()
		if errors.Is(err, goredis.Nil) {
			gone = append(gone, id)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("waiting cases: case %s: %w", id, err)
		}
		var v caseView
		var r desk.CaseRecord
		if json.Unmarshal(data, &v) != nil || json.Unmarshal(data, &r) != nil {
			st.log.Warn("case record unreadable", "case", id, "bytes", len(data))
			continue
		}
		// A record whose status moved on while its waiting entry stayed (a
		// failed ZREM, a write in between) is skipped, not removed: its
		// status may be changing back right now.
		if v.Status == caseWaiting && v.Holder == "" {
			out = append(out, r)
		}
	}
	if len(gone) > 0 {
		// Cases whose record is gone (expired, erased) leave the list.
		if err := st.client.ZRem(ctx, st.waitingKey(), gone...).Err(); err != nil {
			st.log.Warn("stale waiting cases not removed", "count", len(gone), "err", err)
		}
	}
	return out, nil
}

// updateCase changes a record atomically (WATCH on its key): change edits
// the decoded object and reports whether to write it. A non-nil ttl sets
// the record's expiry (0: none); nil keeps it.
func (st *Store) updateCase(ctx context.Context, caseID string, change func(map[string]json.RawMessage, caseView) bool, ttl *time.Duration) error {
	chat, err := st.client.Get(ctx, st.caseIndexKey(caseID)).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return ErrNoCase
	case err != nil:
		return err
	}
	key := st.Key(kindCase, chat, caseID)
	txn := func(tx *goredis.Tx) error {
		data, err := tx.Get(ctx, key).Bytes()
		switch {
		case errors.Is(err, goredis.Nil):
			return ErrNoCase
		case err != nil:
			return err
		}
		var rec map[string]json.RawMessage
		var v caseView
		if json.Unmarshal(data, &rec) != nil || json.Unmarshal(data, &v) != nil {
			st.log.Warn("case record unreadable", "case", caseID, "bytes", len(data))
			return errors.New("unreadable record")
		}
		if !change(rec, v) {
			return nil
		}
		next, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			switch {
			case ttl == nil:
				st.track(ctx, p, chat, 0, key) // a record of an older version gets indexed
				p.SetArgs(ctx, key, next, goredis.SetArgs{KeepTTL: true})
			default:
				st.track(ctx, p, chat, *ttl, key)
				p.Set(ctx, key, next, *ttl)
			}
			return nil
		})
		return err
	}
	for range claimAttempts {
		err = st.client.Watch(ctx, txn, key)
		if !errors.Is(err, goredis.TxFailedErr) {
			return err
		}
	}
	return err
}

// loadCase reads the record of a case: its conversation and JSON.
func (st *Store) loadCase(ctx context.Context, caseID string) (chat string, data []byte, found bool, err error) {
	chat, err = st.client.Get(ctx, st.caseIndexKey(caseID)).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return "", nil, false, nil
	case err != nil:
		return "", nil, false, err
	}
	data, err = st.client.Get(ctx, st.Key(kindCase, chat, caseID)).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		return chat, nil, false, nil // expired or erased
	case err != nil:
		return "", nil, false, err
	}
	return chat, data, true, nil
}

// setWaiting puts the case in the waiting list or takes it out.
func (st *Store) setWaiting(ctx context.Context, v caseView) error {
	if v.Status != caseWaiting || v.Holder != "" {
		if err := st.client.ZRem(ctx, st.waitingKey(), v.ID).Err(); err != nil {
			return fmt.Errorf("waiting list: %w", err)
		}
		return nil
	}
	created := v.Created
	if created.IsZero() {
		created = st.cfg.Clock()
	}
	err := st.client.ZAdd(ctx, st.waitingKey(), goredis.Z{Score: float64(created.UnixMilli()), Member: v.ID}).Err()
	if err != nil {
		return fmt.Errorf("waiting list: %w", err)
	}
	return nil
}

// delEach deletes keys one by one (they may be in different slots).
func (st *Store) delEach(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

func (st *Store) caseIndexKey(caseID string) string {
	var b strings.Builder
	b.WriteString(st.cfg.Prefix)
	b.WriteString(":" + caseIndexPart + ":")
	escapeTo(&b, caseID)
	return b.String()
}

// threadKey is the key of a thread's case, or "" without a thread. The
// channel's ':' is escaped, so channel and ts cannot run into each other.
func (st *Store) threadKey(channel, ts string) string {
	return st.messageKey(caseThreadPart, channel, ts)
}

// messageKey is the key of part for one Slack message (channel and ts),
// or "" without one; shared by thread and relay keys.
func (st *Store) messageKey(part, channel, ts string) string {
	if channel == "" || ts == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(st.cfg.Prefix)
	b.WriteString(":" + part + ":")
	var ch strings.Builder
	escapeTo(&ch, channel)
	b.WriteString(strings.ReplaceAll(ch.String(), ":", "%3A"))
	b.WriteByte(':')
	escapeTo(&b, ts)
	return b.String()
}

// postedKey is the key of an outbox entry's posted mark.
func (st *Store) postedKey(entryID string) string {
	var b strings.Builder
	b.WriteString(st.cfg.Prefix)
	b.WriteString(":" + casePostedPart + ":")
	escapeTo(&b, entryID)
	return b.String()
}

func (st *Store) waitingKey() string { return st.cfg.Prefix + ":" + caseWaitingPart }

// caseRecords calls fn with the case id and decoded record (zero when
// unreadable) of every case record of the conversation chat, found in its
// key index (indexed: the index's names, nil to read them).
func (st *Store) caseRecords(ctx context.Context, chat string, indexed []string, fn func(id string, v caseView)) error {
	if indexed == nil {
		var err error
		if indexed, err = st.chatKeys(ctx, chat); err != nil {
			return err
		}
	}
	prefix := st.Key(kindCase, chat) + ":"
	var keys []string
	for _, k := range indexed {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	gets := make([]*goredis.StringCmd, len(keys))
	_, err := st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			gets[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) && !isWrongType(err) {
		return fmt.Errorf("read case records: %w", err)
	}
	for i, k := range keys {
		var v caseView
		data, err := gets[i].Bytes()
		switch {
		case errors.Is(err, goredis.Nil):
			continue // expired: nothing of it left to find
		case isWrongType(err):
		case err != nil:
			return fmt.Errorf("read case record: %w", err)
		default:
			_ = json.Unmarshal(data, &v) // unreadable: the id is enough
		}
		fn(unescape(k[len(prefix):]), v)
	}
	return nil
}

// caseIndexKeysOf lists the shared keys that lead to a case record.
func (st *Store) caseIndexKeysOf(id string, v caseView) []string {
	keys := []string{st.caseIndexKey(id)}
	if tk := st.threadKey(v.Channel, v.ThreadTS); tk != "" {
		keys = append(keys, tk)
	}
	return keys
}

// eraseCases deletes what the shared keys hold about the conversation's
// cases: their index keys, waiting entries and outbox entries. Erase calls
// it before it deletes the conversation's own keys, which it needs.
func (st *Store) eraseCases(ctx context.Context, chat string, indexed []string) error {
	var keys []string
	var members []any
	ids := map[string]bool{}
	err := st.caseRecords(ctx, chat, indexed, func(id string, v caseView) {
		keys = append(keys, st.caseIndexKeysOf(id, v)...)
		members = append(members, id)
		ids[id] = true
	})
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	if err := st.delEach(ctx, keys); err != nil {
		return fmt.Errorf("delete case index: %w", err)
	}
	if err := st.client.ZRem(ctx, st.waitingKey(), members...).Err(); err != nil {
		return fmt.Errorf("delete waiting cases: %w", err)
	}
	if err := st.client.ZRem(ctx, st.openKey(), members...).Err(); err != nil {
		return fmt.Errorf("delete open cases: %w", err)
	}
	for _, s := range st.outboxStreams() {
		if _, err := s.forget(ctx, ids); err != nil {
			return fmt.Errorf("forget outbox entries: %w", err)
		}
	}
	return nil
}

// retainCaseIndex gives the index keys of the conversation's case records
// the closed case retention, unless they already expire, as
// retainCaseKeys does for the records.
func (st *Store) retainCaseIndex(ctx context.Context, chat string) error {
	var keys []string
	err := st.caseRecords(ctx, chat, nil, func(id string, v caseView) {
		keys = append(keys, st.caseIndexKeysOf(id, v)...)
	})
	if err != nil || len(keys) == 0 {
		return err
	}
	_, err = st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.ExpireNX(ctx, k, st.cfg.ClosedCaseRetention)
		}
		return nil
	})
	return err
}

func knownStatus(s string) bool {
	return s == caseWaiting || s == caseClaimed || s == caseClosed || s == caseReturned
}

func closedStatus(s string) bool { return s == caseClosed || s == caseReturned }

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}

// unescape undoes escapeTo.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok1 := unhex(s[i+1]); ok1 {
				if l, ok2 := unhex(s[i+2]); ok2 {
					b.WriteByte(h<<4 | l)
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
