package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/redis/redistest"
	"okienko/bot/storetest"
)

// TestBatcherGroupsConcurrentCommands: commands of many concurrent callers
// go out in pipelines, and each caller gets its own reply.
func TestBatcherGroupsConcurrentCommands(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.open(t)(t)
			cfg.Pipelines = 1
			st := newStore(t, cfg)
			ctx := testContext(t)
			const callers, rounds = 64, 40
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for c := range callers {
				wg.Go(func() {
					key := st.Key("test", "telegram:"+strconv.Itoa(c))
					for r := range rounds {
						want := fmt.Sprintf("%d/%d", c, r)
						set := goredis.NewStatusCmd(ctx, "set", key, want)
						if err := st.batch.do(&batched{ctx: ctx, cmd: set}); err != nil {
							errs <- fmt.Errorf("set: %w", err)
							return
						}
						get := goredis.NewStringCmd(ctx, "get", key)
						if err := st.batch.do(&batched{ctx: ctx, cmd: get}); err != nil || get.Val() != want {
							errs <- fmt.Errorf("caller %d got %q, %v; want %q", c, get.Val(), err, want)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			pipelines, pipelined := st.batch.pipelines.Load(), st.batch.pipelined.Load()
			t.Logf("%d commands: %d in %d pipelines", 2*callers*rounds, pipelined, pipelines)
			if pipelines == 0 || pipelined < 2*pipelines {
				t.Errorf("%d pipelines of %d commands: concurrent commands were not grouped", pipelines, pipelined)
			}
			assertIdle(t, st.batch)
		})
	}
}

// TestBatcherDoesNotWaitBehindAStuckBatch: while a batch is in flight,
// commands wait for it, but not behind one that does not come back: once
// it is older than the batcher's patience, a command that comes then goes
// out in a pipeline of its own (up to Pipelines in flight), and one that
// was already waiting goes out too, though no other command comes to open
// a pipeline.
func TestBatcherDoesNotWaitBehindAStuckBatch(t *testing.T) {
	for _, tt := range []struct {
		name string
		late bool // the GET comes once the stuck batch is older than the patience
	}{{"comes after the patience", true}, {"waits from before", false}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t)
			st := newStore(t, Config{URL: srv.URL(), Pipelines: 2, OpTimeout: 10 * time.Second})
			st.batch.patience = 50 * time.Millisecond
			ctx := testContext(t)
			list := st.Key("test", "list")
			// BLPOP holds its connection (and so its batch) until the
			// list gets an element: a batch stuck in flight.
			stuck := make(chan error, 1)
			go func() {
				pop := goredis.NewStringSliceCmd(ctx, "blpop", list, 30)
				stuck <- st.batch.do(&batched{ctx: ctx, cmd: pop})
			}()
			waitFor(t, "the stuck batch to go out", func() bool { return waiting(st.batch) == 0 && running(st.batch) == 1 })
			if tt.late {
				time.Sleep(2 * st.batch.patience)
			}
			get := goredis.NewStringCmd(ctx, "get", st.Key("test", "other"))
			if err := st.batch.do(&batched{ctx: ctx, cmd: get}); err != nil && !errors.Is(err, goredis.Nil) {
				t.Fatalf("get beside a stuck batch: %v", err)
			}
			select {
			case err := <-stuck:
				t.Fatalf("the stuck batch came back first (%v): the test proves nothing", err)
			default: // the GET came back while the BLPOP still waits: another pipeline
			}
			if err := st.client.RPush(ctx, list, "x").Err(); err != nil {
				t.Fatal(err)
			}
			if err := <-stuck; err != nil {
				t.Fatalf("blpop: %v", err)
			}
			assertIdle(t, st.batch)
		})
	}
}

// TestBatcherWaitsForTheBatchInFlight: a command that comes while a
// healthy batch is in flight waits for it and goes out with the next one,
// not alone in a pipeline of its own.
func TestBatcherWaitsForTheBatchInFlight(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), Pipelines: 4, OpTimeout: 10 * time.Second})
	st.batch.patience = time.Hour // no batch is old enough to open another
	ctx := testContext(t)
	srv.Pause() // the first command stays in flight
	first := make(chan error, 1)
	go func() {
		first <- st.batch.do(&batched{ctx: ctx, cmd: goredis.NewStatusCmd(ctx, "set", st.Key("test", "first"), "1")})
	}()
	waitFor(t, "the first command to go out", func() bool { return waiting(st.batch) == 0 && running(st.batch) == 1 })
	second := make(chan error, 2)
	for _, k := range []string{"a", "b"} {
		go func() {
			second <- st.batch.do(&batched{ctx: ctx, cmd: goredis.NewStatusCmd(ctx, "set", st.Key("test", k), "1")})
		}()
	}
	waitFor(t, "the next commands to wait", func() bool { return waiting(st.batch) == 2 })
	if n := running(st.batch); n != 1 {
		t.Errorf("%d batches in flight; want the first alone", n)
	}
	srv.Resume()
	for _, ch := range []chan error{first, second, second} {
		if err := <-ch; err != nil {
			t.Fatalf("command: %v", err)
		}
	}
	if n := st.batch.pipelines.Load(); n != 1 {
		t.Errorf("%d pipelines; want the two waiting commands in one", n)
	}
	assertIdle(t, st.batch)
}

// TestEndedContext: Load and Save called with a context that has already
// ended fail with the context's error, and touch nothing.
func TestEndedContext(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var logs logtest.Buffer
			cfg := b.open(t)(t)
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			st := newStore(t, cfg)
			const chat = "telegram:950"
			if err := st.Save(testContext(t), storetest.Session(chat), "1"); err != nil {
				t.Fatal(err)
			}
			ended, cancel := context.WithCancel(context.Background())
			cancel()
			for i := range 40 {
				if err := st.Save(ended, storetest.Session(chat), strconv.Itoa(i+2)); !errors.Is(err, context.Canceled) {
					t.Fatalf("Save with an ended context: %v; want context.Canceled", err)
				}
				if s, _, err := st.Load(ended, chat, "x"); !errors.Is(err, context.Canceled) || s != nil {
					t.Fatalf("Load with an ended context: %v, %v; want context.Canceled", s, err)
				}
			}
			if s, seen, err := st.Load(testContext(t), chat, "1"); err != nil || s == nil || s.Version != 1 || !seen {
				t.Errorf("session after the ended calls: %+v, %v, %v; want version 1, as saved", s, seen, err)
			}
			if logs.String() != "" {
				t.Errorf("ended calls logged: %s", logs.String())
			}
		})
	}
}

// TestBatcherAlone: with Pipelines negative every command goes by itself.
func TestBatcherAlone(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), Pipelines: -1})
	ctx := testContext(t)
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Go(func() {
			chat := "telegram:" + strconv.Itoa(800+c)
			if err := st.Save(ctx, storetest.Session(chat), "1"); err != nil {
				t.Error(err)
			}
			if s, seen, err := st.Load(ctx, chat, "1"); err != nil || s == nil || !seen {
				t.Errorf("Load = %v, %v, %v; want the session, seen", s, seen, err)
			}
		})
	}
	wg.Wait()
	if n := st.batch.pipelines.Load(); n != 0 {
		t.Errorf("%d pipelines sent with batching off", n)
	}
}

// TestBatcherDropsCommandsOfGoneCallers: a command whose caller's context
// ends while it waits for a batch is not sent later, and the caller gets
// the context's error at once; the live command waiting beside it is sent.
func TestBatcherDropsCommandsOfGoneCallers(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), Pipelines: 1, OpTimeout: 10 * time.Second})
	ctx := testContext(t)
	gone, kept := st.Key("test", "gone"), st.Key("test", "kept")
	srv.Pause() // the first command stays in flight, holding the only slot
	first := make(chan error, 1)
	go func() {
		first <- st.batch.do(&batched{ctx: ctx, cmd: goredis.NewStatusCmd(ctx, "set", st.Key("test", "first"), "1")})
	}()
	waitFor(t, "the first command to go out", func() bool { return waiting(st.batch) == 0 && running(st.batch) == 1 })
	second := make(chan error, 1)
	go func() {
		second <- st.batch.do(&batched{ctx: ctx, cmd: goredis.NewStatusCmd(ctx, "set", kept, "1")})
	}()
	waitFor(t, "the second command to wait", func() bool { return waiting(st.batch) == 1 })
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := st.batch.do(&batched{ctx: short, cmd: goredis.NewStatusCmd(short, "set", gone, "1")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting command whose context ended: %v; want DeadlineExceeded", err)
	}
	srv.Resume()
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatalf("live command: %v", err)
		}
	}
	assertIdle(t, st.batch)
	if n, err := st.client.Exists(ctx, gone, kept).Result(); err != nil || n != 1 {
		t.Errorf("%d of the live and the abandoned command were applied (%v); want only the live one", n, err)
	}
}

func waiting(bt *batcher) int {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return len(bt.waiting)
}

func running(bt *batcher) int {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return bt.running
}

// TestBatcherLoadsFlushedScript: saves sent together in one pipeline
// after Redis lost its scripts (a restart, SCRIPT FLUSH) load the script
// and succeed.
func TestBatcherLoadsFlushedScript(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), Pipelines: 1, OpTimeout: 10 * time.Second})
	ctx := testContext(t)
	if err := st.Save(ctx, storetest.Session("telegram:900"), "1"); err != nil {
		t.Fatal(err)
	}
	if err := st.client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Hold the only slot with a command in flight while the saves queue,
	// so that they go out together.
	srv.Pause()
	first := make(chan error, 1)
	go func() {
		first <- st.batch.do(&batched{ctx: ctx, cmd: goredis.NewStatusCmd(ctx, "ping")})
	}()
	waitFor(t, "the first command to go out", func() bool { return waiting(st.batch) == 0 && running(st.batch) == 1 })
	const saves = 16
	var wg sync.WaitGroup
	for c := range saves {
		wg.Go(func() {
			if err := st.Save(ctx, storetest.Session(fmt.Sprintf("telegram:%d", 1000+c)), "1"); err != nil {
				t.Errorf("Save after SCRIPT FLUSH: %v", err)
			}
		})
	}
	waitFor(t, "the saves to wait", func() bool { return waiting(st.batch) == saves })
	srv.Resume()
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := st.batch.pipelined.Load(); n < saves {
		t.Errorf("%d commands pipelined; want the %d saves together", n, saves)
	}
	assertIdle(t, st.batch)
}

// TestBatcherWhileRedisIsDown: batched callers fail with an error while
// Redis is away (none hangs, none is told of a conflict) and succeed once
// it is back.
func TestBatcherWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), Pipelines: 1, OpTimeout: 300 * time.Millisecond})
	ctx := testContext(t)
	srv.Kill()
	var wg sync.WaitGroup
	for c := range 32 {
		wg.Go(func() {
			chat := "telegram:" + strconv.Itoa(1500+c)
			if err := st.Save(ctx, storetest.Session(chat), "1"); err == nil || errors.Is(err, bot.ErrConflict) {
				t.Errorf("Save while Redis is down: %v; want a failure that is not a conflict", err)
			}
		})
	}
	wg.Wait()
	srv.Restart()
	waitUp(t, st)
	for c := range 32 {
		wg.Go(func() {
			chat := "telegram:" + strconv.Itoa(1500+c)
			if err := st.Save(ctx, storetest.Session(chat), "1"); err != nil {
				t.Errorf("Save after Redis is back: %v", err)
			}
		})
	}
	wg.Wait()
	assertIdle(t, st.batch)
}

// assertIdle checks that the batcher settles with nothing waiting and no
// slot taken.
func assertIdle(t *testing.T, bt *batcher) {
	t.Helper()
	waitFor(t, "the batcher to settle", func() bool { return running(bt) == 0 && waiting(bt) == 0 })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
