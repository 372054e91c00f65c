package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/needs"
)

// # Needs report counters
//
// The needs report (bot/needs) is counted per day, in the Centre's time
// zone, in two hashes per day shared by all conversations:
//
//	<prefix>:needs:day:<YYYY-MM-DD>       counters (needs.Encode's fields) → count
//	<prefix>:needs:queries:<YYYY-MM-DD>   unmatched queries, redacted → count
//
// They hold no chat id, case id or time finer than the day, and their names
// carry no hash tag. Each expires a retention after its day ends: counters
// after 400 days, queries (residents' words, redacted) after 90, by default.
//
// A query of a conversation does not go to the shared hash at once: until
// its day is over and aggregated, it stays with the conversation, so that
// erasing the conversation (/usun) erases it too:
//
//	<prefix>:needq:{<chat>}:<YYYY-MM-DD>  the conversation's queries of the day → count
//	<prefix>:needqpending:<YYYY-MM-DD>    names of the day's needq keys
//
// The needq key is in the conversation's key index, and written only while
// the conversation has a session (a script checks it in the same slot), so
// that a count arriving after an erasure is dropped. Aggregate (run by
// `okienko serve` every AggregateEvery) moves the queries of days that are
// over into the shared hash, where nothing links them to a conversation any
// more; Days reads both. Erase removes the conversation's needq keys and
// their names in the pending sets.

var _ bot.Tally = (*Needs)(nil)

// Defaults of NeedsConfig.
const (
	DefaultCounterRetention = 400 * 24 * time.Hour
	DefaultQueryRetention   = 90 * 24 * time.Hour
)

// NeedsConfig says which day a moment belongs to and how long the days
// are kept.
type NeedsConfig struct {
	// Location is the Centre's time zone: a day runs from its midnight to
	// midnight. Default Europe/Warsaw (UTC where the zone database is
	// missing).
	Location *time.Location
	// CounterRetention is how long a day's counters are kept after the day
	// ends. Default 400 days: a year with the same month before it.
	CounterRetention time.Duration
	// QueryRetention is how long a day's unmatched queries are kept after
	// the day ends. Default 90 days.
	QueryRetention time.Duration
	// FlushEvery, when positive, makes Count add up in memory and write
	// the sums to Redis every FlushEvery and at Close, so that a resident's
	// message costs no round trip; a process that dies loses at most that
	// much counting. Zero writes at every Count. A write that fails is
	// retried at the next flush.
	FlushEvery time.Duration
	// AggregateEvery is how often the queries of days that are over move
	// from their conversations to the day's shared list (Aggregate).
	// Default 10 minutes; negative: never (a report still reads them).
	AggregateEvery time.Duration
	// Logger receives failed flushes; default slog.Default().
	Logger *slog.Logger
}

// maxPendingQueries bounds what waits in memory for a Redis that stays
// down: beyond it, new unmatched queries are dropped (and counted as
// unmatched all the same).
const maxPendingQueries = 50_000

// Needs keeps the needs report's daily counters in the store's Redis. It
// is a bot.Tally and reads the days back for the report. Counting is
// exact under concurrency (HINCRBY, and sums under a lock in memory with
// FlushEvery); a write cut by a broken connection may, rarely, be lost or
// applied twice.
type Needs struct {
	st  *Store
	cfg NeedsConfig

	batched bool // FlushEvery > 0; set once
	mu      sync.Mutex
	pending map[string]*pendingDay // by date, with FlushEvery
	queued  int                    // pending queries, all days
	stop    chan struct{}
	done    chan struct{}
	closed  bool

	aggStop, aggDone chan struct{} // the aggregation loop
	aggOnce          sync.Once
}

// pendingDay is what waits to be written for one day.
type pendingDay struct {
	end               time.Time
	counters, queries map[string]int64
	byChat            map[string]map[string]int64 // queries by conversation
}

// NewNeeds returns the needs counters of the store.
func NewNeeds(st *Store, cfg NeedsConfig) (*Needs, error) {
	if st == nil {
		return nil, errors.New("needs counters: no store")
	}
	if cfg.Location == nil {
		loc, err := time.LoadLocation("Europe/Warsaw")
		if err != nil {
			loc = time.UTC
		}
		cfg.Location = loc
	}
	if cfg.CounterRetention == 0 {
		cfg.CounterRetention = DefaultCounterRetention
	}
	if cfg.QueryRetention == 0 {
		cfg.QueryRetention = DefaultQueryRetention
	}
	if cfg.CounterRetention < time.Second || cfg.QueryRetention < time.Second {
		return nil, fmt.Errorf("needs counters: retentions %v and %v: must be at least 1s", cfg.CounterRetention, cfg.QueryRetention)
	}
	if cfg.FlushEvery < 0 {
		return nil, fmt.Errorf("needs counters: flush interval %v: must not be negative", cfg.FlushEvery)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AggregateEvery == 0 {
		cfg.AggregateEvery = 10 * time.Minute
	}
	n := &Needs{st: st, cfg: cfg}
	if cfg.FlushEvery > 0 {
		n.batched, n.pending = true, map[string]*pendingDay{}
		n.stop, n.done = make(chan struct{}), make(chan struct{})
		go n.flushLoop()
	}
	if cfg.AggregateEvery > 0 {
		n.aggStop, n.aggDone = make(chan struct{}), make(chan struct{})
		go n.aggregateLoop()
	}
	st.onErase(n.forget)
	return n, nil
}

// aggregateLoop runs Aggregate every AggregateEvery until Close.
func (n *Needs) aggregateLoop() {
	defer close(n.aggDone)
	tick := time.NewTicker(n.cfg.AggregateEvery)
	defer tick.Stop()
	for {
		if err := n.Aggregate(context.Background(), time.Now()); err != nil {
			n.cfg.Logger.Warn("needs report: unmatched queries not aggregated yet; retrying later", "err", err)
		}
		select {
		case <-n.aggStop:
			return
		case <-tick.C:
		}
	}
}

// forget drops what waits in memory for the conversation chat (Erase).
func (n *Needs) forget(chat string) {
	if !n.batched {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, d := range n.pending {
		n.queued -= len(d.byChat[chat])
		delete(d.byChat, chat)
	}
}

// flushLoop writes what Count added up, every FlushEvery until Close.
func (n *Needs) flushLoop() {
	defer close(n.done)
	tick := time.NewTicker(n.cfg.FlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-tick.C:
			if err := n.Flush(context.Background()); err != nil {
				n.cfg.Logger.Warn("needs report: counts not written yet; retrying at the next flush", "err", err)
			}
		}
	}
}

// Flush writes what Count added up in memory (with FlushEvery) to Redis
// now; what cannot be written waits for the next flush.
func (n *Needs) Flush(ctx context.Context) error {
	if !n.batched {
		return nil
	}
	n.mu.Lock()
	batch := n.pending
	n.pending, n.queued = map[string]*pendingDay{}, 0
	n.mu.Unlock()
	var firstErr error
	for date, d := range batch {
		err := n.write(ctx, date, d.end, d.counters, d.queries, d.byChat)
		if err == nil {
			continue
		}
		if firstErr == nil {
			firstErr = err
		}
		n.mu.Lock()
		n.add(date, d.end, d.counters, d.queries, nil) // back in the queue for the next flush
		for chat, q := range d.byChat {
			n.add(date, d.end, nil, nil, map[string]map[string]int64{chat: q})
		}
		n.mu.Unlock()
	}
	return firstErr
}

// Close stops the flushing (with FlushEvery) and writes what is left. The
// store stays open.
func (n *Needs) Close() error {
	n.aggOnce.Do(func() {
		if n.aggStop != nil {
			close(n.aggStop)
			<-n.aggDone
		}
	})
	if !n.batched {
		return nil
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	close(n.stop)
	<-n.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*n.st.cfg.OpTimeout)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		return fmt.Errorf("needs counters: last flush: %w", err)
	}
	return nil
}

// add puts increments in the pending sums; n.mu is held.
func (n *Needs) add(date string, end time.Time, counters, queries map[string]int64, byChat map[string]map[string]int64) {
	d := n.pending[date]
	if d == nil {
		d = &pendingDay{end: end, counters: map[string]int64{}, queries: map[string]int64{}, byChat: map[string]map[string]int64{}}
		n.pending[date] = d
	}
	for k, v := range counters {
		d.counters[k] += v
	}
	addQueries := func(to map[string]int64, from map[string]int64) {
		for q, v := range from {
			if _, ok := to[q]; !ok {
				if n.queued >= maxPendingQueries {
					continue
				}
				n.queued++
			}
			to[q] += v
		}
	}
	addQueries(d.queries, queries)
	for chat, q := range byChat {
		to := d.byChat[chat]
		if to == nil {
			to = map[string]int64{}
			d.byChat[chat] = to
		}
		addQueries(to, q)
	}
}

// Count implements bot.Tally: it adds the facts to the counters of the
// day of at, in one round trip, or in memory until the next flush with
// FlushEvery (after Close, it writes at once again). An unmatched query is
// kept with the conversation chat until its day is aggregated (without a
// chat, in the day's shared list at once).
func (n *Needs) Count(ctx context.Context, at time.Time, chat string, facts []needs.Fact) error {
	counters, queries := needs.Encode(facts)
	if len(counters) == 0 && len(queries) == 0 {
		return nil
	}
	var byChat map[string]map[string]int64
	if chat != "" && len(queries) > 0 {
		byChat, queries = map[string]map[string]int64{chat: queries}, nil
	}
	date, end := n.day(at)
	if n.batched {
		n.mu.Lock()
		if !n.closed {
			n.add(date, end, counters, queries, byChat)
			n.mu.Unlock()
			return nil
		}
		n.mu.Unlock()
	}
	return n.write(ctx, date, end, counters, queries, byChat)
}

// linkQueriesLua adds a conversation's unmatched queries of a day to
// its needq key, if the conversation still has a session, and records the
// key in the conversation's key index (as trackLua does).
//
// KEYS: needq key, key index, session. ARGV: expiry of the needq key (unix
// ms), the index's least TTL (ms), then query and count pairs. Returns 1
// when written, 0 when the conversation is gone.
const linkQueriesLua = `
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i+1]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
local existed = redis.call('EXISTS', KEYS[2])
redis.call('SADD', KEYS[2], KEYS[1])
local ttl = tonumber(ARGV[2])
if existed == 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  local cur = redis.call('PTTL', KEYS[2])
  if cur >= 0 and cur < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return 1
`

// write adds increments to a day's hashes in one round trip and sets
// their expiry; a conversation's queries go to its needq key (and its
// name to the day's pending set) in a second one.
func (n *Needs) write(ctx context.Context, date string, end time.Time, counters, queries map[string]int64, byChat map[string]map[string]int64) error {
	ctx, cancel := n.st.bound(ctx)
	defer cancel()
	dayKey, queriesKey := n.keys(date)
	pipe := n.st.client.Pipeline()
	for field, by := range counters {
		pipe.HIncrBy(ctx, dayKey, field, by)
	}
	if len(counters) > 0 {
		pipe.PExpireAt(ctx, dayKey, end.Add(n.cfg.CounterRetention))
	}
	for q, by := range queries {
		pipe.HIncrBy(ctx, queriesKey, q, by)
	}
	if len(queries) > 0 {
		pipe.PExpireAt(ctx, queriesKey, end.Add(n.cfg.QueryRetention))
	}
	expire := end.Add(n.cfg.QueryRetention)
	pending := n.pendingKey(date)
	type linked struct {
		key string
		cmd *goredis.Cmd
	}
	var links []linked
	for chat, qs := range byChat {
		if len(qs) == 0 {
			continue
		}
		key := n.st.Key(kindNeedsQuery, chat, date)
		args := []any{expire.UnixMilli(), max(time.Until(expire).Milliseconds(), 1)}
		for q, by := range qs {
			args = append(args, q, by)
		}
		// The name first: an erasure that runs before the script finds
		// the session gone and the name is taken back below; one that
		// runs after finds the key in the index and takes it back itself.
		pipe.SAdd(ctx, pending, key)
		// EVAL, not EVALSHA: no NOSCRIPT round trip after a Redis restart,
		// for the few messages whose search found nothing.
		cmd := pipe.Eval(ctx, linkQueriesLua, []string{key, n.st.Key(kindIndex, chat), n.st.Key(kindSession, chat)}, args...)
		links = append(links, linked{key, cmd})
	}
	if len(links) > 0 {
		pipe.PExpireAt(ctx, pending, expire)
	}
	if pipe.Len() == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("count needs: %w", err)
	}
	// A conversation erased meanwhile kept nothing: its name goes from the
	// pending list too (rare: a second round trip only then).
	var gone []any
	for _, l := range links {
		if v, _ := l.cmd.Int64(); v != 1 {
			gone = append(gone, l.key)
		}
	}
	if len(gone) > 0 {
		if err := n.st.client.SRem(ctx, pending, gone...).Err(); err != nil {
			return fmt.Errorf("count needs: pending queries: %w", err)
		}
	}
	return nil
}

// kindNeedsQuery is the kind of a conversation's unmatched queries of a
// day; needqPendingPart names the days' sets of such keys. The pending sets
// name conversations, so they are not under "needs:", whose keys never do.
const (
	kindNeedsQuery   = "needq"
	needqPendingPart = "needqpending"
)

func (n *Needs) pendingKey(date string) string {
	return n.st.cfg.Prefix + ":" + needqPendingPart + ":" + date
}

// forgetPendingQueries removes the names of the conversation's needq keys
// (among indexed) from the days' pending sets (Erase).
func (st *Store) forgetPendingQueries(ctx context.Context, chat string, indexed []string) error {
	prefix := st.Key(kindNeedsQuery, chat) + ":"
	var names []string
	for _, k := range indexed {
		if strings.HasPrefix(k, prefix) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return nil
	}
	_, err := st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range names {
			p.SRem(ctx, st.cfg.Prefix+":"+needqPendingPart+":"+k[len(prefix):], k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget pending queries: %w", err)
	}
	return nil
}

// takeQueriesScript reads and deletes a conversation's needq key and
// removes it from its key index. KEYS: needq key, key index.
var takeQueriesScript = goredis.NewScript(`
local h = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
return h
`)

// Aggregate moves the unmatched queries of the days before the day of now
// (within the query retention) from their conversations into the days'
// shared lists, where nothing links them to a conversation any more.
// `okienko serve` runs it every AggregateEvery; running it twice, or on
// several replicas at once, counts each query once.
func (n *Needs) Aggregate(ctx context.Context, now time.Time) error {
	today, _ := n.day(now)
	start, err := time.ParseInLocation(time.DateOnly, today, n.cfg.Location)
	if err != nil {
		return fmt.Errorf("aggregate needs: %w", err)
	}
	days := int(n.cfg.QueryRetention/(24*time.Hour)) + 1
	dates := make([]string, 0, days)
	for i := 1; i <= days; i++ {
		dates = append(dates, start.AddDate(0, 0, -i).Format(time.DateOnly))
	}
	sizes := make([]*goredis.IntCmd, len(dates))
	bctx, cancel := n.st.bound(ctx)
	_, err = n.st.client.Pipelined(bctx, func(p goredis.Pipeliner) error {
		for i, d := range dates {
			sizes[i] = p.SCard(bctx, n.pendingKey(d))
		}
		return nil
	})
	cancel()
	if err != nil && !isWrongType(err) {
		return fmt.Errorf("aggregate needs: %w", err)
	}
	for i, d := range dates {
		if sizes[i].Val() == 0 {
			continue
		}
		if err := n.aggregateDay(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// aggregateDay moves one day's pending queries, a hundred conversations
// at a time.
func (n *Needs) aggregateDay(ctx context.Context, date string) error {
	end, err := time.ParseInLocation(time.DateOnly, date, n.cfg.Location)
	if err != nil {
		return fmt.Errorf("aggregate needs: %w", err)
	}
	end = end.AddDate(0, 0, 1)
	_, queriesKey := n.keys(date)
	for {
		bctx, cancel := n.st.bound(ctx)
		names, err := n.st.client.SPopN(bctx, n.pendingKey(date), 100).Result()
		if err != nil || len(names) == 0 {
			cancel()
			if err != nil && !errors.Is(err, goredis.Nil) {
				return fmt.Errorf("aggregate needs of %s: %w", date, err)
			}
			return nil
		}
		sums := map[string]int64{}
		for _, name := range names {
			index, ok := n.st.indexOfKey(name)
			if !ok {
				continue
			}
			flat, err := takeQueriesScript.Run(bctx, n.st.client, []string{name, index}).StringSlice()
			if err != nil {
				cancel()
				return fmt.Errorf("aggregate needs of %s: %w", date, err)
			}
			for i := 0; i+1 < len(flat); i += 2 {
				if v, err := strconv.ParseInt(flat[i+1], 10, 64); err == nil {
					sums[flat[i]] += v
				}
			}
		}
		if len(sums) > 0 {
			_, err = n.st.client.Pipelined(bctx, func(p goredis.Pipeliner) error {
				for q, by := range sums {
					p.HIncrBy(bctx, queriesKey, q, by)
				}
				p.PExpireAt(bctx, queriesKey, end.Add(n.cfg.QueryRetention))
				return nil
			})
		}
		cancel()
		if err != nil {
			// Taken but not added: those queries are lost (they were
			// counted as unmatched all the same).
			return fmt.Errorf("aggregate needs of %s: %w", date, err)
		}
	}
}

// Days reads the days from the date of from to the date of to (in the
// Centre's time zone), oldest first; days without counters come back
// empty.
func (n *Needs) Days(ctx context.Context, from, to time.Time) ([]needs.Day, error) {
	first, _ := n.day(from)
	last, _ := n.day(to)
	if last < first {
		first, last = last, first
	}
	start, err := time.ParseInLocation(time.DateOnly, first, n.cfg.Location)
	if err != nil {
		return nil, fmt.Errorf("read needs: %w", err)
	}
	var dates []string
	for t := start; ; t = t.AddDate(0, 0, 1) {
		d := t.Format(time.DateOnly)
		if d > last {
			break
		}
		dates = append(dates, d)
	}
	var out []needs.Day
	const perRoundTrip = 31 // a month of days per pipeline, each bounded by OpTimeout
	for i := 0; i < len(dates); i += perRoundTrip {
		batch := dates[i:min(i+perRoundTrip, len(dates))]
		days, err := n.read(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, days...)
	}
	return out, nil
}

func (n *Needs) read(ctx context.Context, dates []string) ([]needs.Day, error) {
	ctx, cancel := n.st.bound(ctx)
	defer cancel()
	pipe := n.st.client.Pipeline()
	counters := make([]*goredis.MapStringStringCmd, len(dates))
	queries := make([]*goredis.MapStringStringCmd, len(dates))
	for i, d := range dates {
		dayKey, queriesKey := n.keys(d)
		counters[i] = pipe.HGetAll(ctx, dayKey)
		queries[i] = pipe.HGetAll(ctx, queriesKey)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isWrongType(err) {
		return nil, fmt.Errorf("read needs: %w", err)
	}
	out := make([]needs.Day, len(dates))
	for i, d := range dates {
		c, err := ints(counters[i])
		if err != nil {
			return nil, fmt.Errorf("read needs of %s: %w", d, err)
		}
		q, err := ints(queries[i])
		if err != nil {
			return nil, fmt.Errorf("read needs of %s: %w", d, err)
		}
		if err := n.readPending(ctx, d, q); err != nil {
			return nil, fmt.Errorf("read needs of %s: %w", d, err)
		}
		out[i] = needs.DecodeDay(d, c, q)
	}
	return out, nil
}

// readPending adds to q the queries of the day still kept with their
// conversations (not aggregated yet).
func (n *Needs) readPending(ctx context.Context, date string, q map[string]int64) error {
	names, err := n.st.client.SMembers(ctx, n.pendingKey(date)).Result()
	if err != nil && !isWrongType(err) {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	hashes := make([]*goredis.MapStringStringCmd, len(names))
	_, err = n.st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, name := range names {
			hashes[i] = p.HGetAll(ctx, name)
		}
		return nil
	})
	if err != nil && !isWrongType(err) {
		return err
	}
	for _, h := range hashes {
		m, err := ints(h)
		if err != nil {
			return err
		}
		for k, v := range m {
			q[k] += v
		}
	}
	return nil
}

// ints reads a hash of counts; a key of another type (another program's
// data) reads as empty, and a value that is not a number is skipped.
func ints(cmd *goredis.MapStringStringCmd) (map[string]int64, error) {
	m, err := cmd.Result()
	switch {
	case isWrongType(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, nil
}

// day is the date of t in the Centre's time zone and the moment that
// day ends.
func (n *Needs) day(t time.Time) (string, time.Time) {
	local := t.In(n.cfg.Location)
	y, m, d := local.Date()
	return local.Format(time.DateOnly), time.Date(y, m, d+1, 0, 0, 0, 0, n.cfg.Location)
}

func (n *Needs) keys(date string) (day, queries string) {
	p := n.st.cfg.Prefix + ":needs:"
	return p + "day:" + date, p + "queries:" + date
}
