package redis

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// Embedded is an in-process Redis-compatible server (miniredis) for running
// without a configured Redis: the same Store code works against it, but its
// state lives in memory and is lost when the process ends.
type Embedded struct {
	m *miniredis.Miniredis
}

// StartEmbedded starts an embedded server on a free loopback port. Its TTLs
// count down in real time (miniredis ClockTTL), so idle sessions expire as
// they would in Redis.
func StartEmbedded() (*Embedded, error) {
	m := miniredis.NewMiniRedis()
	// Without ClockTTL miniredis only expires keys on FastForward.
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return &Embedded{m: m}, nil
}

// Addr is the server's host:port.
func (e *Embedded) Addr() string { return e.m.Addr() }

// URL is the server's redis:// URL, for Config.URL.
func (e *Embedded) URL() string { return "redis://" + e.m.Addr() }

// Close stops the server; its data is gone.
func (e *Embedded) Close() { e.m.Close() }
