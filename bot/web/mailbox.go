package web

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"okienko/bot"
)

var _ Mailbox = (*MemoryMailbox)(nil)

// MemoryMailboxConfig tunes a MemoryMailbox; zero fields take the defaults.
type MemoryMailboxConfig struct {
	// Retention is how long entries are kept after they were posted.
	// Default 24 h, the idle lifetime of a conversation.
	Retention time.Duration
	// MaxLen caps the entries kept per conversation. Default 100.
	MaxLen int
	// Clock tells the time. Default time.Now.
	Clock bot.Clock
}

// MemoryMailbox is a Mailbox in process memory: for one process (the
// embedded default, tests). Replicas need a shared one (bot/redis).
//
// Its ids are "<epoch>-<seq>": epoch is random for each mailbox, so that
// after a restart a page that resumes after an id of the old process (an
// unknown epoch) gets everything kept, rather than skipping the new
// entries whose sequence numbers start again at 1.
type MemoryMailbox struct {
	cfg   MemoryMailboxConfig
	epoch string

	mu        sync.Mutex
	seq       uint64
	boxes     map[string]*memoryBox
	lastSweep time.Time
}

// sweepEvery is how often at most the mailbox looks through all its
// conversations for ones whose entries all expired.
const sweepEvery = time.Minute

type memoryBox struct {
	entries  []memoryEntry
	changed  chan struct{} // closed and replaced on every post
	watchers int
}

type memoryEntry struct {
	seq  uint64
	at   time.Time
	data []byte
}

// NewMemoryMailbox returns an empty mailbox.
func NewMemoryMailbox(cfg MemoryMailboxConfig) *MemoryMailbox {
	if cfg.Retention <= 0 {
		cfg.Retention = 24 * time.Hour
	}
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = 100
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &MemoryMailbox{cfg: cfg, epoch: bot.RandomID(6), boxes: map[string]*memoryBox{}}
}

// id is the id of the entry with sequence number seq.
func (m *MemoryMailbox) id(seq uint64) string {
	return m.epoch + "-" + strconv.FormatUint(seq, 10)
}

// after is the sequence number an id names: 0 (from the start) for an id
// of another epoch or none.
func (m *MemoryMailbox) after(id string) uint64 {
	epoch, seq, ok := strings.Cut(id, "-")
	if !ok || epoch != m.epoch {
		return 0
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// sweep drops, at most once per sweepEvery, the boxes nobody watches
// whose entries all expired, so that conversations never posted to again
// leave nothing behind; m.mu is held.
func (m *MemoryMailbox) sweep() {
	now := m.cfg.Clock()
	if now.Sub(m.lastSweep) < sweepEvery {
		return
	}
	m.lastSweep = now
	for chat, b := range m.boxes {
		m.expire(b)
		if len(b.entries) == 0 && b.watchers == 0 {
			delete(m.boxes, chat)
		}
	}
}

// box returns chat's box, created if need be; m.mu is held.
func (m *MemoryMailbox) box(chat string) *memoryBox {
	b := m.boxes[chat]
	if b == nil {
		b = &memoryBox{changed: make(chan struct{})}
		m.boxes[chat] = b
	}
	return b
}

// expire drops what is past retention; m.mu is held.
func (m *MemoryMailbox) expire(b *memoryBox) {
	cutoff := m.cfg.Clock().Add(-m.cfg.Retention)
	i := 0
	for i < len(b.entries) && !b.entries[i].at.After(cutoff) {
		i++
	}
	b.entries = b.entries[i:]
}

// Post implements Mailbox.
func (m *MemoryMailbox) Post(ctx context.Context, chat string, data []byte) (string, error) {
	if chat == "" {
		return "", errors.New("mailbox post: empty conversation key")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	b := m.box(chat)
	m.expire(b)
	m.seq++
	b.entries = append(b.entries, memoryEntry{seq: m.seq, at: m.cfg.Clock(), data: append([]byte(nil), data...)})
	if over := len(b.entries) - m.cfg.MaxLen; over > 0 {
		b.entries = b.entries[over:]
	}
	close(b.changed)
	b.changed = make(chan struct{})
	return m.id(m.seq), nil
}

// Watch implements Mailbox.
func (m *MemoryMailbox) Watch(ctx context.Context, chat, after string, deliver func(id string, data []byte) error) error {
	if chat == "" {
		return errors.New("mailbox watch: empty conversation key")
	}
	last := m.after(after)
	m.mu.Lock()
	m.sweep()
	b := m.box(chat)
	b.watchers++
	m.mu.Unlock()
	defer m.release(chat, b)
	for {
		m.mu.Lock()
		m.expire(b)
		var todo []memoryEntry
		for _, e := range b.entries {
			if e.seq > last {
				todo = append(todo, e)
			}
		}
		changed := b.changed
		m.mu.Unlock()
		for _, e := range todo {
			if err := deliver(m.id(e.seq), e.data); err != nil {
				return err
			}
			last = e.seq
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// release ends a watch of b; a box nobody watches and that holds nothing
// is dropped, so that pages opened and closed leave nothing behind.
func (m *MemoryMailbox) release(chat string, b *memoryBox) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b.watchers--
	if b.watchers == 0 && len(b.entries) == 0 && m.boxes[chat] == b {
		delete(m.boxes, chat)
	}
}

// Forget implements Mailbox.
func (m *MemoryMailbox) Forget(ctx context.Context, chat string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b := m.boxes[chat]; b != nil {
		b.entries = nil
		if b.watchers == 0 {
			delete(m.boxes, chat)
		}
	}
	return nil
}
