package slack

import (
	"container/list"
	"context"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
)

// lru remembers the most recent keys, for deduplication.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: newest
	items map[string]*list.Element
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// add records key and reports whether it was new.
func (l *lru) add(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[key]; ok {
		l.order.MoveToFront(e)
		return false
	}
	l.items[key] = l.order.PushFront(key)
	for l.order.Len() > l.max {
		e := l.order.Back()
		l.order.Remove(e)
		delete(l.items, e.Value.(string))
	}
	return true
}

func (l *lru) has(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.items[key]
	return ok
}

// memberCache keeps the staff channel's members for a while.
type memberCache struct {
	ttl   time.Duration
	clock bot.Clock

	mu      sync.Mutex
	members map[string]bool
	fetched time.Time
}

// isMember tells whether user is in channel, asking Slack
// (conversations.members) when the cached list is older than ttl. When
// Slack fails, a stale list is used if there is one.
func (m *memberCache) isMember(ctx context.Context, api *slackapi.Client, channel, user string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.members != nil && m.clock().Sub(m.fetched) < m.ttl {
		return m.members[user], nil
	}
	fresh := map[string]bool{}
	params := &slackapi.GetUsersInConversationParameters{ChannelID: channel, Limit: 1000}
	for {
		ids, cursor, err := api.GetUsersInConversationContext(ctx, params)
		if err != nil {
			if m.members != nil {
				return m.members[user], nil
			}
			return false, err
		}
		for _, id := range ids {
			fresh[id] = true
		}
		if cursor == "" {
			break
		}
		params.Cursor = cursor
	}
	m.members, m.fetched = fresh, m.clock()
	return fresh[user], nil
}

// nameCache keeps staff members' first names.
type nameCache struct {
	ttl   time.Duration
	clock bot.Clock

	mu sync.Mutex
	m  map[string]nameEntry
}

type nameEntry struct {
	name    string
	fetched time.Time
}

// firstName is the user's first name from users.info: the profile's first
// name, else the first word of the real or display name.
func (n *nameCache) firstName(ctx context.Context, api *slackapi.Client, user string) (string, error) {
	n.mu.Lock()
	e, ok := n.m[user]
	n.mu.Unlock()
	if ok && n.clock().Sub(e.fetched) < n.ttl {
		return e.name, nil
	}
	u, err := api.GetUserInfoContext(ctx, user)
	if err != nil {
		if ok {
			return e.name, nil
		}
		return "", err
	}
	name := ""
	for _, s := range []string{u.Profile.FirstName, u.RealName, u.Profile.RealName, u.Profile.DisplayName} {
		if f := strings.Fields(s); len(f) > 0 {
			name = f[0]
			break
		}
	}
	n.mu.Lock()
	n.m[user] = nameEntry{name: name, fetched: n.clock()}
	n.mu.Unlock()
	return name, nil
}

// serializer runs functions in order per key, each key's queue on its own
// goroutine, which ends when the queue is empty.
type serializer struct {
	mu     sync.Mutex
	queues map[string][]func()
}

func newSerializer() *serializer { return &serializer{queues: map[string][]func(){}} }

func (s *serializer) do(key string, fn func()) {
	s.mu.Lock()
	q, running := s.queues[key]
	s.queues[key] = append(q, fn)
	s.mu.Unlock()
	if running {
		return
	}
	go func() {
		for {
			s.mu.Lock()
			q := s.queues[key]
			if len(q) == 0 {
				delete(s.queues, key)
				s.mu.Unlock()
				return
			}
			next := q[0]
			q[0] = nil
			s.queues[key] = q[1:]
			s.mu.Unlock()
			next()
		}
	}()
}
