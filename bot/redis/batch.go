package redis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// batcher sends the commands that concurrent messages need at the same
// moment (each message's Load GET and Save script) together, as one
// pipeline: one write and one read for many commands, on both sides of the
// connection. At 32 concurrent chats this more than halves the CPU time per
// message, which is mostly system calls; a lone message still goes out at
// once, with no waiting for company.
//
// Group commit: a command that finds no batch in flight goes out at once,
// alone; while one is in flight, commands wait, and when it comes back the
// goroutine that sent it takes everything waiting as the next pipeline
// (keeping its slot while work keeps coming). A further batch (up to limit
// in flight) opens only when the latest one went out more than patience
// ago: a batch stuck on its connection does not hold everyone, yet
// under load commands go out in few, full pipelines. (Opening a slot
// whenever one was free sent many commands alone: at 32 concurrent chats
// on 2 cores, sending alone was as much of the bot's CPU as all the
// pipelines; waiting for the batch in flight saves about 2–3 µs of 27 per
// message, `okienko bench`.) Each caller still returns at its own
// context's end; a command whose caller has gone is not sent.
//
// go-redis v9.23 has an AutoPipeliner, marked experimental; it neither
// drops the commands of callers who have gone nor reloads a script Redis
// lost, and runs one batch at a time unless told that order does not
// matter, so the store keeps this small one.
type batcher struct {
	client goredis.UniversalClient
	limit  int // pipelines in flight at once; 0: every command alone

	mu      sync.Mutex
	waiting []*batched
	running int
	// lastSent is when the latest batch was taken to be sent; patience
	// (default batchPatience) is how long after it another batch may open.
	// late fires patience after a command starts waiting, so that commands
	// behind a stuck batch go out even when no new one comes to open a
	// pipeline for them; lateArmed says it is set.
	lastSent  time.Time
	patience  time.Duration
	late      *time.Timer
	lateArmed bool

	// pipelines and pipelined count what went out in pipelines of two or
	// more commands (the rest went alone), for tests and benchmarks.
	pipelines, pipelined atomic.Int64
}

// batched is one command of a batch.
type batched struct {
	ctx  context.Context
	cmd  goredis.Cmder
	done chan struct{} // closed once cmd holds its reply or error
	// script is the script cmd runs by its hash (EVALSHA), loaded and sent
	// again when Redis does not know it (NOSCRIPT: after a restart or
	// SCRIPT FLUSH).
	script *goredis.Script
	// bound is how long Redis may take to answer, counted from when the
	// command is sent, not from when it joined the queue: waiting for a
	// free pipeline on a busy CPU is not Redis failing to answer. ctx
	// bounds the wait as a whole. 0: ctx alone.
	bound time.Duration
}

// maxBatch caps a pipeline, so that one slow batch does not hold
// everything that arrived meanwhile.
const maxBatch = 256

// batchPatience is how long commands wait for the batch in flight before
// another one opens. A healthy batch comes back from a Redis nearby in
// well under a millisecond, a few on a machine busy enough to delay its
// goroutine (1 ms opened slots too often there); one stuck behind a lost
// packet takes hundreds.
const batchPatience = 5 * time.Millisecond

// do runs b.cmd, batched with other callers' commands, and returns its
// error or the context's.
func (bt *batcher) do(b *batched) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if bt.limit <= 0 {
		return bt.alone(b)
	}
	b.done = make(chan struct{})
	bt.mu.Lock()
	bt.waiting = append(bt.waiting, b)
	if bt.running == 0 || bt.running < bt.limit && time.Since(bt.lastSent) > bt.patienceOr() {
		bt.running++
		batch := bt.take()
		bt.mu.Unlock()
		bt.run(batch)
	} else {
		bt.armLate(bt.patienceOr())
		bt.mu.Unlock()
	}
	select {
	case <-b.done:
		return b.cmd.Err()
	case <-b.ctx.Done():
		select {
		case <-b.done: // answered at the same moment: the answer counts
			return b.cmd.Err()
		default:
			return b.ctx.Err()
		}
	}
}

// finished reports whether b's command is done with (sent and answered,
// or dropped): only then may its arguments' memory be reused.
func (b *batched) finished() bool {
	if b.done == nil {
		return true // it ran alone, on the caller's goroutine
	}
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

func (bt *batcher) patienceOr() time.Duration {
	if bt.patience > 0 {
		return bt.patience
	}
	return batchPatience
}

// armLate makes onLate run after d, unless it is set already. Call with
// mu held.
func (bt *batcher) armLate(d time.Duration) {
	if bt.lateArmed || bt.running >= bt.limit {
		return // a batch that comes back takes the waiting commands
	}
	bt.lateArmed = true
	if bt.late == nil {
		bt.late = time.AfterFunc(d, bt.onLate)
		return
	}
	bt.late.Reset(d)
}

// onLate opens another pipeline for the waiting commands when the latest
// batch went out more than patience ago, and looks again later when it
// did not.
func (bt *batcher) onLate() {
	bt.mu.Lock()
	bt.lateArmed = false
	if len(bt.waiting) == 0 {
		bt.mu.Unlock()
		return
	}
	if since := time.Since(bt.lastSent); since <= bt.patienceOr() || bt.running >= bt.limit {
		bt.armLate(bt.patienceOr() - since)
		bt.mu.Unlock()
		return
	}
	bt.running++
	batch := bt.take()
	bt.mu.Unlock()
	bt.drain(batch)
}

// take removes up to maxBatch waiting commands, to be sent now. Call with
// mu held.
func (bt *batcher) take() []*batched {
	bt.lastSent = time.Now()
	n := min(len(bt.waiting), maxBatch)
	batch := bt.waiting[:n:n]
	if n == len(bt.waiting) {
		bt.waiting = nil
	} else {
		bt.waiting = append([]*batched(nil), bt.waiting[n:]...)
	}
	return batch
}

// run sends batch on the goroutine of the caller who opened the slot, so
// that it returns with its reply, and leaves the commands that arrived
// meanwhile to a new goroutine, which keeps the slot while there is work
// (one goroutine for a busy stretch, not one per batch).
func (bt *batcher) run(batch []*batched) {
	bt.send(batch)
	if next := bt.next(); next != nil {
		go bt.drain(next)
	}
}

// drain sends batches until none is waiting.
func (bt *batcher) drain(batch []*batched) {
	for ; batch != nil; batch = bt.next() {
		bt.send(batch)
	}
}

// next takes the waiting commands, or gives up the slot when there are
// none.
func (bt *batcher) next() []*batched {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	if len(bt.waiting) == 0 {
		bt.running--
		return nil
	}
	return bt.take()
}

// send sends the live commands of batch as one pipeline and wakes their
// callers.
func (bt *batcher) send(batch []*batched) {
	live := batch[:0:0]
	for _, b := range batch {
		if err := b.ctx.Err(); err != nil {
			b.cmd.SetErr(err) // its caller has returned: not sent
			close(b.done)
			continue
		}
		live = append(live, b)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		// Alone: no pipeline to build.
		_ = bt.alone(live[0])
		close(live[0].done)
		return
	}
	bt.pipelines.Add(1)
	bt.pipelined.Add(int64(len(live)))
	ctx, cancel := batchContext(live)
	defer cancel()
	bt.pipeline(ctx, live)
	bt.reloadScripts(ctx, live)
	for _, b := range live {
		close(b.done)
	}
}

// reloadScripts loads the scripts Redis did not know (NOSCRIPT) and sends
// their commands again, together.
func (bt *batcher) reloadScripts(ctx context.Context, batch []*batched) {
	var again []*batched
	var loaded map[string]error // by script hash: the outcome of loading it
	for _, b := range batch {
		if b.script == nil || !isNoScript(b.cmd.Err()) {
			continue
		}
		err, done := loaded[b.script.Hash()]
		if !done {
			err = b.script.Load(ctx, bt.client).Err()
			if loaded == nil {
				loaded = map[string]error{}
			}
			loaded[b.script.Hash()] = err
		}
		if err == nil {
			again = append(again, b)
		}
	}
	if len(again) > 0 {
		bt.pipeline(ctx, again)
	}
}

// pipeline sends the commands of batch as one pipeline; each command
// holds its own reply or error.
func (bt *batcher) pipeline(ctx context.Context, batch []*batched) {
	pipe := bt.client.Pipeline()
	for _, b := range batch {
		_ = pipe.Process(ctx, b.cmd)
	}
	_, _ = pipe.Exec(ctx)
}

// alone sends one command by itself.
func (bt *batcher) alone(b *batched) error {
	ctx := b.ctx
	// The command's own bound, unless the caller's deadline comes first
	// anyway (the engine's bound of a whole message usually does).
	if d, ok := ctx.Deadline(); b.bound > 0 && (!ok || time.Until(d) > b.bound) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.bound)
		defer cancel()
	}
	err := bt.client.Process(ctx, b.cmd)
	if b.script != nil && isNoScript(err) {
		if b.script.Load(ctx, bt.client).Err() == nil {
			err = bt.client.Process(ctx, b.cmd)
		}
	}
	return err
}

// batchContext bounds a pipeline by the latest deadline of its callers
// (each the sooner of its context's and its bound from now), so that no
// caller who still waits loses its reply to another's deadline.
// Without one, go-redis's socket timeouts (OpTimeout) bound it. (Callers'
// contexts always have deadlines here: the store bounds every call. Their
// values, if any, do not reach the pipeline.)
func batchContext(batch []*batched) (context.Context, context.CancelFunc) {
	var latest time.Time
	now := time.Now()
	for _, b := range batch {
		d, ok := b.ctx.Deadline()
		if b.bound > 0 && (!ok || now.Add(b.bound).Before(d)) {
			d, ok = now.Add(b.bound), true // a command's own bound starts now
		}
		if !ok {
			return context.Background(), func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}
