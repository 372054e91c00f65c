package redis

import (
	"context"
	"strings"
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
// Group commit: a command finds a free slot (fewer than limit pipelines in
// flight) and goes out at once, with whatever is waiting; otherwise it
// waits, and the next pipeline to come back takes everything waiting. Each
// caller still returns at its own context's end; a command whose caller
// has gone is not sent.
type batcher struct {
	client goredis.UniversalClient
	limit  int // pipelines in flight at once; 0: every command alone

	mu      sync.Mutex
	waiting []*batched
	running int

	// pipelines and pipelined count what went out in pipelines of two or
	// more commands (the rest went alone), for tests and benchmarks.
	pipelines, pipelined atomic.Int64
}

// batched is one command of a batch.
type batched struct {
	ctx  context.Context
	cmd  goredis.Cmder
	done chan struct{} // closed once cmd holds its reply or error
	// script, keys and args let a script command be sent again when Redis
	// does not know the script (NOSCRIPT: after a restart or SCRIPT FLUSH).
	script *goredis.Script
	keys   []string
	args   []any
}

// maxBatch caps a pipeline, so that one slow batch does not hold
// everything that arrived meanwhile.
const maxBatch = 256

// do runs b.cmd, batched with other callers' commands, and returns its
// error or the context's.
func (bt *batcher) do(b *batched) error {
	if bt.limit <= 0 {
		return bt.alone(b)
	}
	b.done = make(chan struct{})
	bt.mu.Lock()
	bt.waiting = append(bt.waiting, b)
	if bt.running < bt.limit {
		bt.running++
		batch := bt.take()
		bt.mu.Unlock()
		bt.run(batch)
	} else {
		bt.mu.Unlock()
	}
	select {
	case <-b.done:
		return b.cmd.Err()
	case <-b.ctx.Done():
		return b.ctx.Err()
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

// take removes up to maxBatch waiting commands. Call with mu held.
func (bt *batcher) take() []*batched {
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
		if b.ctx.Err() != nil {
			close(b.done) // its caller has returned: not sent
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
	pipe := bt.client.Pipeline()
	for _, b := range live {
		_ = pipe.Process(ctx, b.cmd)
	}
	_, _ = pipe.Exec(ctx) // each command holds its own reply or error
	for _, b := range live {
		if b.script != nil && isNoScript(b.cmd.Err()) {
			bt.again(ctx, b)
		}
		close(b.done)
	}
}

// alone sends one command by itself.
func (bt *batcher) alone(b *batched) error {
	if b.script != nil {
		// Script.Run loads the script when Redis does not know it.
		bt.again(b.ctx, b)
		return b.cmd.Err()
	}
	return bt.client.Process(b.ctx, b.cmd)
}

// again runs a script command through Script.Run, which loads the script
// when Redis lacks it, and puts the outcome into the command.
func (bt *batcher) again(ctx context.Context, b *batched) {
	res := b.script.Run(ctx, bt.client, b.keys, b.args...)
	cmd := b.cmd.(*goredis.Cmd)
	cmd.SetVal(res.Val())
	cmd.SetErr(res.Err())
}

// batchContext bounds a pipeline by the latest deadline of its callers, so
// that no caller who still waits loses its reply to another's deadline.
// Without one, go-redis's socket timeouts (OpTimeout) bound it.
func batchContext(batch []*batched) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, b := range batch {
		d, ok := b.ctx.Deadline()
		if !ok {
			return context.Background(), func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}
