// Package memory keeps conversation sessions in process memory: for the
// terminal chat, tests, and as the reference the Redis store is held to.
// Sessions are lost when the process ends.
package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"okienko/bot"
)

var _ bot.SessionStore = (*Store)(nil)

// Store is an in-process bot.SessionStore. The zero value is not usable;
// call New.
type Store struct {
	mu       sync.Mutex
	sessions map[string][]byte          // JSON, so callers never share a Session
	seen     map[string]map[string]bool // applied event ids by key
}

// New returns an empty store.
func New() *Store {
	return &Store{sessions: map[string][]byte{}, seen: map[string]map[string]bool{}}
}

// Load implements bot.SessionStore.
func (m *Store) Load(ctx context.Context, key, eventID string) (*bot.Session, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := eventID != "" && m.seen[key][eventID]
	data, ok := m.sessions[key]
	if !ok {
		return nil, seen, nil
	}
	var s bot.Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, seen, fmt.Errorf("decode session: %w", err)
	}
	return &s, seen, nil
}

// Save implements bot.SessionStore.
func (m *Store) Save(ctx context.Context, s *bot.Session, eventID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var stored int64
	if data, ok := m.sessions[s.Key]; ok {
		var old bot.Session
		if err := json.Unmarshal(data, &old); err == nil {
			stored = old.Version
		}
	}
	if stored != s.Version || (eventID != "" && m.seen[s.Key][eventID]) {
		return bot.ErrConflict
	}
	s.Version++
	s.Format = bot.SessionFormat
	data, err := json.Marshal(s)
	if err != nil {
		s.Version--
		return fmt.Errorf("encode session: %w", err)
	}
	m.sessions[s.Key] = data
	if eventID != "" {
		if m.seen[s.Key] == nil {
			m.seen[s.Key] = map[string]bool{}
		}
		m.seen[s.Key][eventID] = true
	}
	return nil
}

// Erase implements bot.SessionStore.
func (m *Store) Erase(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, key)
	delete(m.seen, key)
	return nil
}

// Len reports how many sessions are kept, for tests.
func (m *Store) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}
