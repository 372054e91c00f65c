package redis_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
	"okienko/bot/script"
	"okienko/dialogs"
)

// TestThreeReplicasApplyEachMessageOnce sends 100 messages of one chat at
// once through three engines sharing one real Redis, each message delivered
// twice (as channels redeliver): every message must be applied exactly once.
func TestThreeReplicasApplyEachMessageOnce(t *testing.T) {
	srv := redistest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatal(probs.Err())
	}
	var engines []*bot.Engine
	var store *redis.Store
	for i := 0; i < 3; i++ {
		st, err := redis.New(ctx, redis.Config{URL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		store = st
		eng, err := bot.New(bot.Config{Script: sc, Store: st, StoreTimeout: 30 * time.Second, MaxAttempts: 1000})
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, eng)
	}
	msg := func(i int) bot.Message {
		return bot.Message{Channel: "test", ChatID: "100", EventID: strconv.Itoa(i), Text: "/pomoc"}
	}
	if _, err := engines[0].Handle(ctx, msg(0)); err != nil {
		t.Fatal(err)
	}
	const n = 100
	var (
		wg      sync.WaitGroup
		applied atomic.Int64
	)
	for i := 1; i <= n; i++ {
		for copy := 0; copy < 2; copy++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				events, err := engines[(i+copy)%3].Handle(ctx, msg(i))
				if err != nil {
					t.Errorf("message %d: %v", i, err)
					return
				}
				if len(events) > 0 {
					applied.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	if got := applied.Load(); got != n {
		t.Errorf("%d deliveries were applied, want %d (one per message)", got, n)
	}
	s, _, err := store.Load(ctx, "test:100", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != n+1 {
		t.Errorf("session saved %d times, want %d", s.Version, n+1)
	}
}
