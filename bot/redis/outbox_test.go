package redis_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot/desk"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
)

// The desk's ports, implemented here without importing the adapter.
var (
	_ desk.Outbox = (*redis.Outbox)(nil)
	_ desk.Book   = (*redis.CaseBook)(nil)
)

// env is one test's Redis: the config for stores, and a plain client to
// inspect what is stored.
type env struct {
	cfg redis.Config
	raw *goredis.Client
}

// store opens a Store on the env (a replica).
func (e env) store(t *testing.T) *redis.Store {
	t.Helper()
	st, err := redis.New(context.Background(), e.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// testBackend is a Redis the outbox and case book tests run against.
type testBackend struct {
	name string
	open func(t *testing.T) (fresh func(t *testing.T) env)
}

// testBackends are a real redis-server, the embedded miniredis and a real
// one-node Redis Cluster (where the shared keys and a conversation's keys
// are in different slots).
func testBackends() []testBackend {
	rawClient := func(t *testing.T, addr string) *goredis.Client {
		c := goredis.NewClient(&goredis.Options{Addr: addr})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	real := func(opts ...redistest.Option) func(t *testing.T) func(t *testing.T) env {
		return func(t *testing.T) func(t *testing.T) env {
			srv := redistest.Start(t, opts...)
			cluster := len(opts) > 0
			return func(t *testing.T) env {
				if _, err := srv.Do("FLUSHALL"); err != nil {
					t.Fatalf("FLUSHALL: %v", err)
				}
				cfg := redis.Config{URL: srv.URL()}
				if cluster {
					cfg = redis.Config{Addrs: []string{srv.Addr()}, Cluster: true}
				}
				return env{cfg: cfg, raw: rawClient(t, srv.Addr())}
			}
		}
	}
	return []testBackend{
		{"real", real()},
		{"embedded", func(t *testing.T) func(t *testing.T) env {
			return func(t *testing.T) env {
				e, err := redis.StartEmbedded()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(e.Close)
				return env{cfg: redis.Config{URL: e.URL()}, raw: rawClient(t, e.Addr())}
			}
		}},
		{"cluster", real(redistest.WithCluster())},
	}
}

// runOnBackends runs each test on a fresh Redis of every backend.
func runOnBackends(t *testing.T, tests []struct {
	name string
	run  func(t *testing.T, e env)
}) {
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			fresh := b.open(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, fresh(t)) })
			}
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOutbox(t *testing.T) {
	runOnBackends(t, []struct {
		name string
		run  func(t *testing.T, e env)
	}{
		{"AddReadAck", testOutboxAddReadAck},
		{"Redelivery", testOutboxRedelivery},
		{"ConsumersShareNothing", testOutboxConsumersShareNothing},
		{"ForgetCase", testOutboxForgetCase},
		{"StreamLost", testOutboxStreamLost},
		{"KeepRenewsOnlyOwnEntries", testOutboxKeep},
	})
}

// testOutboxKeep: an entry in hand is renewed by its consumer (another
// replica does not take it as stuck); once another consumer took it, or it
// was acked, it is no longer kept.
func testOutboxKeep(t *testing.T, e env) {
	ctx := ctxFor(t)
	a, b := newOutbox(t, e), newOutbox(t, e)
	if err := a.Add(ctx, entry("case", "c1", `{}`)); err != nil {
		t.Fatal(err)
	}
	got, err := a.Read(ctx, "replica-a", 10, 0, time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("Read = %v, %v", got, err)
	}
	id := got[0].ID
	const idle = 150 * time.Millisecond
	time.Sleep(idle)
	if kept, err := a.Keep(ctx, "replica-a", []string{id}); err != nil || len(kept) != 1 || kept[0] != id {
		t.Fatalf("Keep by the holder = %v, %v; want [%s]", kept, err, id)
	}
	// Renewed: not idle long enough for another replica to take it.
	if stuck, err := b.Read(ctx, "replica-b", 10, 0, idle); err != nil || len(stuck) != 0 {
		t.Fatalf("right after Keep another replica read %v, %v; want nothing", stuck, err)
	}
	time.Sleep(idle)
	if stuck, err := b.Read(ctx, "replica-b", 10, 0, idle); err != nil || len(stuck) != 1 {
		t.Fatalf("a stuck entry: replica b read %v, %v; want it", stuck, err)
	}
	if kept, err := a.Keep(ctx, "replica-a", []string{id}); err != nil || len(kept) != 0 {
		t.Errorf("Keep by the former holder = %v, %v; want nothing", kept, err)
	}
	if kept, err := b.Keep(ctx, "replica-b", []string{id}); err != nil || len(kept) != 1 {
		t.Errorf("Keep by the new holder = %v, %v; want [%s]", kept, err, id)
	}
	if err := b.Ack(ctx, id); err != nil {
		t.Fatal(err)
	}
	if kept, err := b.Keep(ctx, "replica-b", []string{id}); err != nil || len(kept) != 0 {
		t.Errorf("Keep of an acked entry = %v, %v; want nothing", kept, err)
	}
}

func newOutbox(t *testing.T, e env) *redis.Outbox {
	return redis.NewOutbox(e.store(t), "slack")
}

func entry(kind, caseID, payload string) desk.OutboxEntry {
	return desk.OutboxEntry{Kind: kind, CaseID: caseID, Payload: []byte(payload)}
}

func testOutboxAddReadAck(t *testing.T, e env) {
	ctx := ctxFor(t)
	producer, consumer := newOutbox(t, e), newOutbox(t, e) // two replicas
	if k := producer.Key(); k != "okienko:outbox:slack" {
		t.Errorf("stream key %q", k)
	}
	// Nothing there: a read waits about block and returns nothing.
	start := time.Now()
	got, err := consumer.Read(ctx, "a", 10, 150*time.Millisecond, time.Minute)
	if err != nil || len(got) != 0 {
		t.Fatalf("Read of an empty outbox = %v, %v", got, err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("Read with block 150ms returned after %v", d)
	}
	// Block 0 does not wait (Redis's BLOCK 0 would wait forever).
	if got, err := consumer.Read(ctx, "a", 10, 0, time.Minute); err != nil || len(got) != 0 {
		t.Fatalf("Read without block = %v, %v", got, err)
	}

	want := []desk.OutboxEntry{
		entry("case", "c-1", `{"key":"telegram:1"}`),
		entry("relay", "c-1", `{"text":"dzień dobry"}`),
		entry("note", "c-2", ``),
	}
	for _, en := range want {
		if err := producer.Add(ctx, en); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	if err := producer.Add(ctx, desk.OutboxEntry{CaseID: "c-1"}); err == nil {
		t.Error("Add without a kind: no error")
	}
	got, err = consumer.Read(ctx, "a", 2, time.Second, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("Read(count 2) = %v, %v", got, err)
	}
	more, err := consumer.Read(ctx, "a", 10, time.Second, time.Minute)
	if err != nil || len(more) != 1 {
		t.Fatalf("second Read = %v, %v", more, err)
	}
	got = append(got, more...)
	for i, g := range got {
		if g.ID == "" || g.Kind != want[i].Kind || g.CaseID != want[i].CaseID || string(g.Payload) != string(want[i].Payload) {
			t.Errorf("entry %d = %+v; want %+v with an id", i, g, want[i])
		}
	}
	if n, err := consumer.Pending(ctx); err != nil || n != 3 {
		t.Errorf("Pending = %d, %v; want 3", n, err)
	}
	for _, g := range got {
		if err := consumer.Ack(ctx, g.ID); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
	if err := consumer.Ack(ctx, got[0].ID); err != nil {
		t.Errorf("second Ack of an entry: %v", err)
	}
	if n, err := consumer.Pending(ctx); err != nil || n != 0 {
		t.Errorf("Pending after Ack = %d, %v; want 0", n, err)
	}
	// Acked entries are deleted: the stream keeps no delivered content.
	if n := e.raw.XLen(ctx, producer.Key()).Val(); n != 0 {
		t.Errorf("stream length after Ack %d; want 0", n)
	}
	if got, err := consumer.Read(ctx, "b", 10, 50*time.Millisecond, time.Millisecond); err != nil || len(got) != 0 {
		t.Errorf("Read after Ack = %v, %v; want nothing", got, err)
	}
}

// testOutboxRedelivery: an entry a consumer read and never acked (it
// crashed) goes to another consumer once it was pending longer than
// minIdle, before new entries.
func testOutboxRedelivery(t *testing.T, e env) {
	ctx := ctxFor(t)
	a, b := newOutbox(t, e), newOutbox(t, e)
	if err := a.Add(ctx, entry("case", "c-7", `{}`)); err != nil {
		t.Fatal(err)
	}
	first, err := a.Read(ctx, "replica-a", 1, time.Second, time.Minute)
	if err != nil || len(first) != 1 {
		t.Fatalf("Read by a = %v, %v", first, err)
	}
	// Not yet idle long enough: b gets nothing.
	if got, err := b.Read(ctx, "replica-b", 5, 50*time.Millisecond, time.Minute); err != nil || len(got) != 0 {
		t.Fatalf("Read by b before minIdle = %v, %v; want nothing", got, err)
	}
	if err := a.Add(ctx, entry("relay", "c-7", `{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond)
	got, err := b.Read(ctx, "replica-b", 1, time.Second, 200*time.Millisecond)
	if err != nil || len(got) != 1 || got[0].ID != first[0].ID || got[0].Kind != "case" || got[0].CaseID != "c-7" {
		t.Fatalf("Read by b after minIdle = %+v, %v; want the stuck entry %s first", got, err, first[0].ID)
	}
	got2, err := b.Read(ctx, "replica-b", 5, time.Second, 200*time.Millisecond)
	if err != nil || len(got2) != 1 || got2[0].Kind != "relay" {
		t.Fatalf("next Read by b = %+v, %v; want the new entry", got2, err)
	}
	for _, id := range []string{got[0].ID, got2[0].ID, first[0].ID} { // a acks late: harmless
		if err := b.Ack(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := b.Pending(ctx); n != 0 {
		t.Errorf("Pending %d; want 0", n)
	}
}

// testOutboxConsumersShareNothing: consumers reading at the same time as
// entries are added never receive the same new entry.
func testOutboxConsumersShareNothing(t *testing.T, e env) {
	ctx := ctxFor(t)
	const total, consumers = 200, 4
	producer := newOutbox(t, e)
	var (
		mu   sync.Mutex
		seen = map[string]string{} // id → consumer
		dup  []string
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	for i := range consumers {
		out := newOutbox(t, e)
		name := fmt.Sprintf("c%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := out.Read(ctx, name, 7, 50*time.Millisecond, time.Hour)
				if err != nil {
					t.Errorf("Read by %s: %v", name, err)
					return
				}
				mu.Lock()
				for _, g := range got {
					if other, ok := seen[g.ID]; ok {
						dup = append(dup, g.ID+" to "+other+" and "+name)
					}
					seen[g.ID] = name
				}
				mu.Unlock()
				for _, g := range got {
					if err := out.Ack(ctx, g.ID); err != nil {
						t.Errorf("Ack: %v", err)
					}
				}
			}
		}()
	}
	for i := range total {
		if err := producer.Add(ctx, entry("relay", fmt.Sprintf("c-%d", i%5), fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	if len(dup) > 0 {
		t.Errorf("entries given to two consumers: %v", dup)
	}
	if len(seen) != total {
		t.Errorf("entries delivered %d; want %d", len(seen), total)
	}
	by := map[string]int{}
	for _, c := range seen {
		by[c]++
	}
	t.Logf("entries per consumer: %v", by)
}

// testOutboxForgetCase deletes a case's entries, read or not, and leaves
// the others.
func testOutboxForgetCase(t *testing.T, e env) {
	ctx := ctxFor(t)
	out := newOutbox(t, e)
	for _, en := range []desk.OutboxEntry{
		entry("case", "c-1", `{"key":"telegram:555"}`),
		entry("case", "c-2", `{"key":"telegram:556"}`),
		entry("relay", "c-1", `{"text":"PESEL"}`),
	} {
		if err := out.Add(ctx, en); err != nil {
			t.Fatal(err)
		}
	}
	read, err := out.Read(ctx, "a", 1, time.Second, time.Hour) // c-1's card, now pending
	if err != nil || len(read) != 1 || read[0].CaseID != "c-1" {
		t.Fatalf("Read = %+v, %v", read, err)
	}
	if err := out.ForgetCase(ctx, "c-1"); err != nil {
		t.Fatalf("ForgetCase: %v", err)
	}
	if err := out.ForgetCase(ctx, "c-404"); err != nil {
		t.Errorf("ForgetCase of a case without entries: %v", err)
	}
	msgs := e.raw.XRange(ctx, out.Key(), "-", "+").Val()
	if len(msgs) != 1 || msgs[0].Values["case"] != "c-2" {
		t.Errorf("stream after ForgetCase: %v; want c-2's entry only", msgs)
	}
	if n, _ := out.Pending(ctx); n != 0 {
		t.Errorf("Pending after ForgetCase %d; want 0 (the forgotten entry is acked)", n)
	}
	time.Sleep(20 * time.Millisecond)
	got, err := out.Read(ctx, "b", 10, 100*time.Millisecond, time.Millisecond)
	if err != nil || len(got) != 1 || got[0].CaseID != "c-2" {
		t.Errorf("Read after ForgetCase = %+v, %v; want c-2's entry only", got, err)
	}
	// The late Ack of the forgotten entry is harmless.
	if err := out.Ack(ctx, read[0].ID); err != nil {
		t.Error(err)
	}
}

// testOutboxStreamLost: the stream disappears (Redis restarted without
// persistence); the outbox makes its group again and goes on.
func testOutboxStreamLost(t *testing.T, e env) {
	ctx := ctxFor(t)
	out := newOutbox(t, e)
	if err := out.Add(ctx, entry("note", "c-1", "")); err != nil {
		t.Fatal(err)
	}
	if err := e.raw.Del(ctx, out.Key()).Err(); err != nil {
		t.Fatal(err)
	}
	if err := out.Add(ctx, entry("note", "c-2", "")); err != nil {
		t.Fatalf("Add after the stream was lost: %v", err)
	}
	got, err := out.Read(ctx, "a", 10, time.Second, time.Hour)
	if err != nil || len(got) != 1 || got[0].CaseID != "c-2" {
		t.Fatalf("Read after the stream was lost = %+v, %v; want c-2's entry", got, err)
	}
	if err := out.Ack(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
}
