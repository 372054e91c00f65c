package web

import (
	"context"
	"sync"
	"time"

	"okienko/bot"
)

// How long and how many answers are kept for retries. A page retries
// within seconds (a lost connection, a proxy's 502–504) or when the
// resident sends the restored text again, so minutes are plenty; the cap
// bounds the memory a flood of messages can take (an answer is a few
// kilobytes at most).
const (
	answerTTL = 5 * time.Minute
	answerCap = 4096
)

// answerMemory keeps the answer to each message for a few minutes, by
// conversation and message id, so that a page that retries a message it
// got no answer for (the server handled it, the answer was lost on the
// way) gets the same answer again: the engine dedupes by EventID and
// would answer nothing. A retry that arrives while the first attempt is
// still being handled waits for it. It lives in this process only: a
// retry that lands on another replica, or comes after answerTTL, still
// gets an empty answer, and the page then says that the message already
// arrived.
type answerMemory struct {
	clock bot.Clock
	ttl   time.Duration
	max   int

	mu      sync.Mutex
	seq     uint64
	entries map[answerKey]*keptAnswer
	order   []answerRef // oldest first; may name entries already gone
}

type answerKey struct{ chat, event string }

// answerRef names one kept answer without holding it, so that an answer
// forgotten (erased) is not kept alive by the order.
type answerRef struct {
	key answerKey
	seq uint64
	at  time.Time
}

// keptAnswer is the answer to one message; done is closed once out is
// set.
type keptAnswer struct {
	answerRef
	done chan struct{}
	out  outbound
}

func newAnswerMemory(clock bot.Clock, ttl time.Duration, max int) *answerMemory {
	return &answerMemory{clock: clock, ttl: ttl, max: max, entries: map[answerKey]*keptAnswer{}}
}

// begin returns the answer kept for the message (kept), waiting for one
// still being made; or an empty answer when that wait ends first
// (reserved is nil then); or else reserves the message and returns the
// reservation: the caller must then pass it to finish or abandon.
func (m *answerMemory) begin(ctx context.Context, chat, event string) (out outbound, kept bool, reserved *keptAnswer) {
	k := answerKey{chat, event}
	m.mu.Lock()
	now := m.clock()
	m.expire(now)
	e := m.entries[k]
	if e == nil {
		for len(m.entries) >= m.max && len(m.order) > 0 {
			m.drop(m.order[0])
			m.order = m.order[1:]
		}
		m.seq++
		e = &keptAnswer{answerRef: answerRef{key: k, seq: m.seq, at: now}, done: make(chan struct{})}
		m.entries[k] = e
		m.order = append(m.order, e.answerRef)
		if len(m.order) > 2*m.max {
			m.compact()
		}
		m.mu.Unlock()
		return outbound{}, false, e
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.out, true, nil
	case <-ctx.Done():
		// The first attempt is still at work: its answer is not known.
		return outbound{Replies: []bot.Reply{}}, false, nil
	}
}

// finish keeps the answer to a message reserved by begin.
func (m *answerMemory) finish(e *keptAnswer, out outbound) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.out = out
	close(e.done)
}

// abandon forgets a message reserved by begin that was not applied (the
// engine failed), so that a retry runs it again; retries already waiting
// get out.
func (m *answerMemory) abandon(e *keptAnswer, out outbound) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.out = out
	close(e.done)
	m.drop(e.answerRef)
}

// forget drops the answers kept for a conversation (it was erased), but
// for the one to the message given (the erasure's own, which tells only
// that it was done).
func (m *answerMemory) forget(chat, except string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.entries {
		if k.chat == chat && k.event != except {
			m.drop(e.answerRef)
		}
	}
}

// expire drops the answers older than ttl; m.mu is held.
func (m *answerMemory) expire(now time.Time) {
	cutoff := now.Add(-m.ttl)
	i := 0
	for ; i < len(m.order) && !m.order[i].at.After(cutoff); i++ {
		m.drop(m.order[i])
	}
	m.order = m.order[i:]
}

// compact drops from the order the names of answers already gone
// (forgotten or abandoned), so that it stays within twice the bound;
// m.mu is held.
func (m *answerMemory) compact() {
	live := make([]answerRef, 0, len(m.entries))
	for _, r := range m.order {
		if e := m.entries[r.key]; e != nil && e.seq == r.seq {
			live = append(live, r)
		}
	}
	m.order = live
}

// drop forgets the answer named if the map still holds it (not a newer
// one under the same key); m.mu is held. An answer still being made stays
// with its maker and the retries waiting for it.
func (m *answerMemory) drop(r answerRef) {
	if e := m.entries[r.key]; e != nil && e.seq == r.seq {
		delete(m.entries, r.key)
	}
}

// len is how many answers are kept.
func (m *answerMemory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
