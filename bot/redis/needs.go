package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
// carry no hash tag, so Erase (which deletes the keys named after a chat)
// never touches them and has nothing of a chat to remove from them. Each
// expires a retention after its day ends: counters after 400 days,
// queries (residents' words, redacted) after 90, by default.

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
}

// pendingDay is what waits to be written for one day.
type pendingDay struct {
	end               time.Time
	counters, queries map[string]int64
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
	n := &Needs{st: st, cfg: cfg}
	if cfg.FlushEvery > 0 {
		n.batched, n.pending = true, map[string]*pendingDay{}
		n.stop, n.done = make(chan struct{}), make(chan struct{})
		go n.flushLoop()
	}
	return n, nil
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
		err := n.write(ctx, date, d.end, d.counters, d.queries)
		if err == nil {
			continue
		}
		if firstErr == nil {
			firstErr = err
		}
		n.mu.Lock()
		n.add(date, d.end, d.counters, d.queries) // back in the queue for the next flush
		n.mu.Unlock()
	}
	return firstErr
}

// Close stops the flushing (with FlushEvery) and writes what is left. The
// store stays open.
func (n *Needs) Close() error {
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
func (n *Needs) add(date string, end time.Time, counters, queries map[string]int64) {
	d := n.pending[date]
	if d == nil {
		d = &pendingDay{end: end, counters: map[string]int64{}, queries: map[string]int64{}}
		n.pending[date] = d
	}
	for k, v := range counters {
		d.counters[k] += v
	}
	for q, v := range queries {
		if _, ok := d.queries[q]; !ok {
			if n.queued >= maxPendingQueries {
				continue
			}
			n.queued++
		}
		d.queries[q] += v
	}
}

// Count implements bot.Tally: it adds the facts to the counters of the
// day of at, in one round trip, or in memory until the next flush with
// FlushEvery (after Close, it writes at once again).
func (n *Needs) Count(ctx context.Context, at time.Time, facts []needs.Fact) error {
	counters, queries := needs.Encode(facts)
	if len(counters) == 0 && len(queries) == 0 {
		return nil
	}
	date, end := n.day(at)
	if n.batched {
		n.mu.Lock()
		if !n.closed {
			n.add(date, end, counters, queries)
			n.mu.Unlock()
			return nil
		}
		n.mu.Unlock()
	}
	return n.write(ctx, date, end, counters, queries)
}

// write adds increments to a day's hashes in one round trip and sets
// their expiry.
func (n *Needs) write(ctx context.Context, date string, end time.Time, counters, queries map[string]int64) error {
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
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("count needs: %w", err)
	}
	return nil
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
		out[i] = needs.DecodeDay(d, c, q)
	}
	return out, nil
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
