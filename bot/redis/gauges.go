package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// What operators watch, read when /metrics is scraped: each is one quick
// Redis command bounded by OpTimeout.

// StreamLen is the number of entries in the stream key: for an outbox
// (Outbox.Key), its backlog, since delivered entries are deleted.
func (st *Store) StreamLen(ctx context.Context, key string) (int64, error) {
	ctx, cancel := st.bound(ctx)
	defer cancel()
	n, err := st.client.XLen(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("stream length: %w", err)
	}
	return n, nil
}

// WaitingCases is the number of open cases nobody has claimed yet (the
// case book's index of them, as CaseBook.Waiting lists).
func (st *Store) WaitingCases(ctx context.Context) (int64, error) {
	ctx, cancel := st.bound(ctx)
	defer cancel()
	n, err := st.client.ZCard(ctx, st.waitingKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("waiting cases: %w", err)
	}
	return n, nil
}

// ClaimedCases is the number of open cases a person holds: the open-case
// index (caseopen.go) less the waiting ones. Cases opened before that
// index existed join it at their next claim, transfer or status change.
func (st *Store) ClaimedCases(ctx context.Context) (int64, error) {
	ctx, cancel := st.bound(ctx)
	defer cancel()
	var open, waiting *goredis.IntCmd
	_, err := st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		open = p.ZCard(ctx, st.openKey())
		waiting = p.ZCard(ctx, st.waitingKey())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("claimed cases: %w", err)
	}
	return max(0, open.Val()-waiting.Val()), nil
}
