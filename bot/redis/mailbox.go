package redis

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
)

// # Mailbox
//
// A mailbox holds the replies that reach a conversation outside its turns
// (a member of staff answering from Slack) until the resident's open pages
// read them, on whichever replica they are connected to:
//
//	<prefix>:mbox:{<chat>}    a stream of entries (field "data"), at most
//	                          MaxLen long, expiring Retention after the last post
//
// The key is built with Store.Key, so Store.Erase removes it with the rest
// of the conversation. Readers learn of new entries through one Pub/Sub
// channel per Redis, "<prefix>:mbox-posted", whose messages are the
// conversation key alone (nothing is stored under it); each Mailbox
// subscribes once, on a connection of its own, and wakes its local readers
// of that conversation. Readers also look again every Poll, so a
// notification lost while the subscription reconnects delays a reply and
// never loses it.

// Defaults of MailboxConfig.
const (
	DefaultMailboxRetention = 24 * time.Hour
	DefaultMailboxMaxLen    = 100
	DefaultMailboxPoll      = 10 * time.Second
)

// kindMailbox is the kind of a conversation's mailbox key.
const kindMailbox = "mbox"

// mailboxField is the stream field holding an entry's data.
const mailboxField = "data"

// mailboxPage is how many entries one read returns at most.
const mailboxPage = 100

// MailboxConfig tunes a Mailbox; zero fields take the defaults.
type MailboxConfig struct {
	// Retention is how long entries are kept after the conversation's last
	// post, for a resident who opens the page later. Default 24 h, the
	// idle lifetime of a conversation.
	Retention time.Duration
	// MaxLen caps the entries kept per conversation (the oldest go).
	// Default 100.
	MaxLen int64
	// Poll is how often a reader looks for entries without being notified.
	// Default 10 s.
	Poll time.Duration
}

// Mailbox is a per-conversation reply box in Redis, shared by every
// replica; *Mailbox implements web.Mailbox. It is safe for concurrent use.
// Close it when done, to release its Pub/Sub connection.
type Mailbox struct {
	st      *Store
	cfg     MailboxConfig
	channel string

	mu       sync.Mutex
	watchers map[string]map[chan struct{}]struct{} // by conversation key
	ps       *goredis.PubSub
	closed   bool
}

// NewMailbox returns the mailbox of the conversations in st's Redis.
func NewMailbox(st *Store, cfg MailboxConfig) *Mailbox {
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultMailboxRetention
	}
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = DefaultMailboxMaxLen
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultMailboxPoll
	}
	return &Mailbox{
		st:       st,
		cfg:      cfg,
		channel:  st.cfg.Prefix + ":mbox-posted",
		watchers: map[string]map[chan struct{}]struct{}{},
	}
}

// Post appends data to the mailbox of the conversation chat (a
// bot.Message.Key) and returns the entry's id. Readers of chat on every
// replica are woken; if the notification cannot be sent, the entry is
// still stored and read at the next poll.
func (m *Mailbox) Post(ctx context.Context, chat string, data []byte) (string, error) {
	if chat == "" {
		return "", errors.New("mailbox post: empty conversation key")
	}
	ctx, cancel := m.st.bound(ctx)
	defer cancel()
	key := m.st.Key(kindMailbox, chat)
	var add *goredis.StringCmd
	_, err := m.st.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		add = p.XAdd(ctx, &goredis.XAddArgs{Stream: key, MaxLen: m.cfg.MaxLen, Values: []any{mailboxField, data}})
		p.PExpire(ctx, key, m.cfg.Retention)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("mailbox post: %w", err)
	}
	if err := m.st.client.Publish(ctx, m.channel, chat).Err(); err != nil {
		m.st.log.Warn("mailbox notification not sent; readers find the entry at their next poll", "channel", channelOf(chat), "chat", bot.LogChat(chat), "err", err)
	}
	return add.Val(), nil
}

// streamIDRE matches a Redis stream entry id.
var streamIDRE = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// Watch calls deliver with every entry of chat's mailbox newer than after
// (an id returned by Post or delivered before; "" or an unknown form: from
// the oldest kept), oldest first, and then with each new entry as it comes,
// until ctx ends (it returns nil) or deliver or Redis fails (it returns the
// error).
func (m *Mailbox) Watch(ctx context.Context, chat, after string, deliver func(id string, data []byte) error) error {
	if chat == "" {
		return errors.New("mailbox watch: empty conversation key")
	}
	if !streamIDRE.MatchString(after) {
		after = "0-0"
	}
	m.subscribe(ctx)
	wake := m.register(chat)
	defer m.unregister(chat, wake)
	key := m.st.Key(kindMailbox, chat)
	poll := time.NewTicker(m.cfg.Poll)
	defer poll.Stop()
	for {
		n, last, err := m.read(ctx, key, after, deliver)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("mailbox watch: %w", err)
		}
		after = last
		if n == mailboxPage {
			continue // more waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-poll.C:
		}
	}
}

// read delivers one page of entries after the id after and returns how
// many it read and the last id delivered.
func (m *Mailbox) read(ctx context.Context, key, after string, deliver func(string, []byte) error) (int, string, error) {
	rctx, cancel := m.st.bound(ctx)
	// XRANGE's start is inclusive: the entry after itself is skipped, which
	// works on every server version (an exclusive "(" start needs 6.2).
	msgs, err := m.st.client.XRangeN(rctx, key, after, "+", mailboxPage+1).Result()
	cancel()
	if err != nil && !errors.Is(err, goredis.Nil) {
		if isWrongType(err) {
			m.st.log.Warn("mailbox unreadable: ignored", "reason", "wrong type")
			return 0, after, nil
		}
		return 0, after, err
	}
	n := 0
	for _, msg := range msgs {
		if msg.ID == after {
			continue
		}
		if n == mailboxPage {
			break
		}
		n++
		data, ok := msg.Values[mailboxField].(string)
		if !ok {
			m.st.log.Warn("mailbox entry lacks its data: skipped", "id", msg.ID)
			after = msg.ID
			continue
		}
		if err := deliver(msg.ID, []byte(data)); err != nil {
			return n, after, err
		}
		after = msg.ID
	}
	return n, after, nil
}

// Forget deletes chat's mailbox (Store.Erase does it too).
func (m *Mailbox) Forget(ctx context.Context, chat string) error {
	if chat == "" {
		return errors.New("mailbox forget: empty conversation key")
	}
	ctx, cancel := m.st.bound(ctx)
	defer cancel()
	if err := m.st.client.Del(ctx, m.st.Key(kindMailbox, chat)).Err(); err != nil {
		return fmt.Errorf("mailbox forget: %w", err)
	}
	return nil
}

// Close ends the Pub/Sub subscription; readers still watching fall back on
// polling until their contexts end.
func (m *Mailbox) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	if m.ps == nil {
		return nil
	}
	err := m.ps.Close()
	m.ps = nil
	if err != nil {
		return fmt.Errorf("close mailbox subscription: %w", err)
	}
	return nil
}

// subscribe starts the Pub/Sub subscription unless it runs, and waits
// (bounded) until Redis confirms it, so that a reader that has read its
// mailbox once is woken by every later post. A Redis that does not answer
// is logged; go-redis keeps trying to subscribe, and readers poll.
func (m *Mailbox) subscribe(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ps != nil || m.closed {
		return
	}
	ps := m.st.client.Subscribe(context.WithoutCancel(ctx), m.channel)
	rctx, cancel := m.st.bound(ctx)
	_, err := ps.Receive(rctx)
	cancel()
	if err != nil {
		m.st.log.Warn("mailbox subscription not confirmed; readers poll meanwhile", "err", err)
	}
	m.ps = ps
	go func() {
		for msg := range ps.Channel() {
			m.wake(msg.Payload)
		}
	}()
}

func (m *Mailbox) register(chat string) chan struct{} {
	wake := make(chan struct{}, 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.watchers[chat]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		m.watchers[chat] = set
	}
	set[wake] = struct{}{}
	return wake
}

func (m *Mailbox) unregister(chat string, wake chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.watchers[chat]
	delete(set, wake)
	if len(set) == 0 {
		delete(m.watchers, chat)
	}
}

// wake tells chat's readers in this process to look again.
func (m *Mailbox) wake(chat string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for w := range m.watchers[chat] {
		select {
		case w <- struct{}{}:
		default: // already due to look
		}
	}
}
