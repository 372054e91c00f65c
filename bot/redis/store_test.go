package redis

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/redis/redistest"
	"okienko/bot/storetest"
)

// backend is a Redis the tests run against: a real redis-server, the
// embedded miniredis, or a real one-node Redis Cluster.
type backend struct {
	name string
	// open starts the backend for a group of tests; fresh returns the
	// config of an empty Redis for one of them.
	open func(t *testing.T) (fresh func(t *testing.T) Config)
}

func backends() []backend {
	return []backend{
		{"real", func(t *testing.T) func(t *testing.T) Config {
			srv := redistest.Start(t)
			return func(t *testing.T) Config {
				flush(t, srv)
				return Config{URL: srv.URL()}
			}
		}},
		{"embedded", func(t *testing.T) func(t *testing.T) Config {
			return func(t *testing.T) Config {
				e, err := StartEmbedded()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(e.Close)
				return Config{URL: e.URL()}
			}
		}},
		{"cluster", func(t *testing.T) func(t *testing.T) Config {
			srv := redistest.Start(t, redistest.WithCluster())
			return func(t *testing.T) Config {
				flush(t, srv)
				return Config{Addrs: []string{srv.Addr()}, Cluster: true}
			}
		}},
	}
}

func flush(t *testing.T, srv *redistest.Server) {
	t.Helper()
	if _, err := srv.Do("FLUSHALL"); err != nil {
		t.Fatalf("FLUSHALL: %v", err)
	}
}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	st, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestContract(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			fresh := b.open(t)
			storetest.Run(t, func(t *testing.T) bot.SessionStore {
				return newStore(t, fresh(t))
			})
		})
	}
}

func TestStoreOnBackends(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, cfg Config)
	}{
		{"Lifetimes", testLifetimes},
		{"IdleExpiry", testIdleExpiry},
		{"UnreadableValues", testUnreadableValues},
		{"EraseLeavesNothing", testEraseLeavesNothing},
		{"SeenIDsTrimmed", testSeenIDsTrimmed},
		{"UnreadableAppliedIDs", testUnreadableAppliedIDs},
		{"SaveSentTwice", testSaveSentTwice},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			fresh := b.open(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, fresh(t)) })
			}
		})
	}
}

// testLifetimes checks the TTLs: idle sessions expire, an open case keeps
// the session, closing it brings the idle TTL back and gives the case's
// other keys the retention.
// testSaveSentTwice: a save that reaches Redis twice (go-redis sends it
// again when the connection broke before the answer) succeeds both times;
// another save from the same version is still refused.
func testSaveSentTwice(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	ctx := testContext(t)
	const chat = "telegram:980"
	first := storetest.Session(chat)
	if err := st.Save(ctx, first, "1"); err != nil {
		t.Fatal(err)
	}
	loaded, _, err := st.Load(ctx, chat, "2")
	if err != nil || loaded == nil {
		t.Fatalf("Load: %v, %v", loaded, err)
	}
	loaded.Step = "nastepny"
	again := *loaded
	again.Vars = maps.Clone(loaded.Vars)
	other := again
	other.Vars = maps.Clone(loaded.Vars)
	other.Step = "inny"
	if err := st.Save(ctx, loaded, "2"); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, &again, "2"); err != nil {
		t.Errorf("the same save sent again: %v; want success", err)
	}
	if err := st.Save(ctx, &other, "3"); !errors.Is(err, bot.ErrConflict) {
		t.Errorf("another save from the same version: %v; want ErrConflict", err)
	}
	got, _, err := st.Load(ctx, chat, "2")
	if err != nil || got == nil || got.Version != 2 || got.Step != "nastepny" {
		t.Errorf("stored: %+v, %v; want version 2 at step nastepny", got, err)
	}
}

func testLifetimes(t *testing.T, cfg Config) {
	cfg.IdleTTL = time.Hour
	cfg.ClosedCaseRetention = 72 * time.Hour
	st := newStore(t, cfg)
	ctx := testContext(t)
	const chat = "telegram:600"
	sessKey := st.Key(kindSession, chat)
	routeKey, ownTTLKey := st.Key("case", chat, "c-1"), st.Key("note", chat)
	pttl := func(key string) time.Duration {
		t.Helper()
		d, err := st.client.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatalf("PTTL %s: %v", key, err)
		}
		return d
	}
	near := func(what string, got, want time.Duration) {
		t.Helper()
		if got > want || got < want-time.Minute {
			t.Errorf("%s: TTL %v; want about %v", what, got, want)
		}
	}

	s := storetest.Session(chat)
	if err := st.Save(ctx, s, "1"); err != nil {
		t.Fatal(err)
	}
	near("idle session", pttl(sessKey), time.Hour)

	s.Case = "c-1"
	if err := st.Save(ctx, s, "2"); err != nil {
		t.Fatal(err)
	}
	if d := pttl(sessKey); d != -1 {
		t.Errorf("session with an open case: TTL %v; want none (-1ms)", d)
	}
	// A feature keeps case routing without expiry, another key with its own,
	// both recorded in the conversation's key index.
	if err := st.Track(ctx, chat, 0, routeKey, ownTTLKey); err != nil {
		t.Fatal(err)
	}
	if err := st.client.Set(ctx, routeKey, "slack-thread", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.client.Set(ctx, ownTTLKey, "x", 10*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	// A key that outlives the retention (the needs report's unmatched
	// queries live 90 days): Erase must still find it in the index.
	longKey := st.Key("needq", chat, "d1")
	if err := st.Track(ctx, chat, 200*time.Hour, longKey); err != nil {
		t.Fatal(err)
	}
	if err := st.client.Set(ctx, longKey, "x", 200*time.Hour).Err(); err != nil {
		t.Fatal(err)
	}

	s.Case = ""
	if err := st.Save(ctx, s, "3"); err != nil {
		t.Fatal(err)
	}
	near("session after its case closed", pttl(sessKey), time.Hour)
	near("case routing after the case closed", pttl(routeKey), 72*time.Hour)
	near("a key with its own TTL", pttl(ownTTLKey), 10*time.Minute)
	near("the key index, outliving its longest key", pttl(st.Key(kindIndex, chat)), 200*time.Hour)
}

// testIdleExpiry waits for a short idle TTL to pass: the embedded server
// must count TTLs down in real time too.
func testIdleExpiry(t *testing.T, cfg Config) {
	cfg.IdleTTL = 150 * time.Millisecond
	st := newStore(t, cfg)
	ctx := testContext(t)
	if err := st.Save(ctx, storetest.Session("telegram:610"), "1"); err != nil {
		t.Fatal(err)
	}
	if s, _, err := st.Load(ctx, "telegram:610", ""); err != nil || s == nil {
		t.Fatalf("Load right after save: %v, %v", s, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, seen, err := st.Load(ctx, "telegram:610", "1")
		if err != nil {
			t.Fatal(err)
		}
		if s == nil && !seen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session still there 5s after a %v idle TTL", cfg.IdleTTL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testUnreadableValues puts values the store cannot use under a session
// key: each is reported (without its content) and replaced by a fresh
// session on the next save.
func testUnreadableValues(t *testing.T, cfg Config) {
	const secret = "PESEL-85010112345"
	const chat = "telegram:620"
	tests := []struct {
		name, reason string
		put          func(ctx context.Context, c goredis.Cmdable, key string) error
	}{
		{"not JSON", "corrupt", setString("{\"format\":1,\"key\":\"" + secret)},
		{"JSON of another shape", "corrupt", setString(`["` + secret + `"]`)},
		{"readable head, cut short", "corrupt", setString(`{"format":1,"key":"telegram:620","version":4,"step":"` + secret)},
		{"readable head, bad tail", "corrupt", setString(`{"format":1,"key":"telegram:620","version":4,"step":5,"x":"` + secret + `"}`)},
		{"version 0", "corrupt", setString(`{"format":1,"key":"telegram:620","version":0,"step":"` + secret + `"}`)},
		{"newer format", "newer", setString(`{"format":99,"key":"telegram:620","version":7,"step":"` + secret + `"}`)},
		{"newer format, changed field types", "newer", setString(`{"format":99,"key":"telegram:620","version":7,"vars":{"step":{"v":"` + secret + `"}}}`)},
		{"another conversation", "another conversation", setString(`{"format":1,"key":"telegram:621","version":3,"step":"` + secret + `"}`)},
		{"a list", "wrong type", func(ctx context.Context, c goredis.Cmdable, key string) error {
			return c.RPush(ctx, key, secret, "b").Err()
		}},
		{"a hash", "wrong type", func(ctx context.Context, c goredis.Cmdable, key string) error {
			return c.HSet(ctx, key, "version", "5", "step", secret).Err()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logtest.Buffer
			cfg := cfg
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			st := newStore(t, cfg)
			ctx := testContext(t)
			key := st.Key(kindSession, chat)
			if err := st.client.Del(ctx, key, st.Key(kindSeen, chat)).Err(); err != nil {
				t.Fatal(err)
			}
			if err := tt.put(ctx, st.client, key); err != nil {
				t.Fatal(err)
			}
			s, seen, err := st.Load(ctx, chat, "9")
			if err != nil || s != nil || seen {
				t.Fatalf("Load of %s = %+v, %v, %v; want a fresh state without error", tt.name, s, seen, err)
			}
			// Only a corrupt value is removed at once; a newer format may
			// belong to a replica of the next version, and is replaced by
			// the next save like the rest.
			if n, err := st.client.Exists(ctx, key).Result(); err != nil || (n == 0) != (tt.reason == "corrupt") {
				t.Errorf("after Load the value exists: %d (%v); want it removed only when corrupt", n, err)
			}
			out := logtest.WithoutChatTags(logs.String())
			if !strings.Contains(out, "session unreadable") || !strings.Contains(out, tt.reason) {
				t.Errorf("log does not report %q: %s", tt.reason, out)
			}
			if strings.Contains(out, secret) || strings.Contains(out, "620") {
				t.Errorf("log shows the stored content or the chat id: %s", out)
			}
			fresh := storetest.Session(chat)
			if err := st.Save(ctx, fresh, "9"); err != nil {
				t.Fatalf("Save over %s: %v", tt.name, err)
			}
			got, seen, err := st.Load(ctx, chat, "9")
			if err != nil || got == nil || got.Version != 1 || got.Step != fresh.Step || !seen {
				t.Errorf("Load after saving over %s = %+v, seen %v, %v; want the fresh session, seen", tt.name, got, seen, err)
			}
		})
	}
}

func setString(v string) func(ctx context.Context, c goredis.Cmdable, key string) error {
	return func(ctx context.Context, c goredis.Cmdable, key string) error {
		return c.Set(ctx, key, v, 0).Err()
	}
}

// testUnreadableAppliedIDs: a session whose applied ids are not tags is
// used without them (reported), and the next save replaces them.
func testUnreadableAppliedIDs(t *testing.T, cfg Config) {
	var logs logtest.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	st := newStore(t, cfg)
	ctx := testContext(t)
	const chat, secret = "telegram:630", "Kowalska"
	value := `{"format":1,"key":"telegram:630","version":3,"applied":"` + secret + `","lang":"pl","step":"temat"}`
	if err := st.client.Set(ctx, st.Key(kindSession, chat), value, 0).Err(); err != nil {
		t.Fatal(err)
	}
	s, seen, err := st.Load(ctx, chat, "5")
	if err != nil || s == nil || seen || s.Step != "temat" || s.Applied != "" {
		t.Fatalf("Load = %+v, %v, %v; want the session without applied ids, not seen", s, seen, err)
	}
	if out := logs.String(); !strings.Contains(out, "applied event ids unreadable") || strings.Contains(out, secret) {
		t.Errorf("log does not report the unreadable ids, or shows them: %s", out)
	}
	if err := st.Save(ctx, s, "5"); err != nil {
		t.Fatalf("Save over unreadable applied ids: %v", err)
	}
	if _, seen, err := st.Load(ctx, chat, "5"); err != nil || !seen {
		t.Errorf("after Save the event is not seen: %v, %v", seen, err)
	}
}

// testEraseLeavesNothing erases a chat that has a session, applied ids and
// keys of later features; afterwards no key names it, and another chat's
// keys are untouched.
func testEraseLeavesNothing(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	ctx := testContext(t)
	const id = "777001"
	chat, other := "telegram:"+id, "telegram:777002"
	for _, c := range []string{chat, other} {
		s := storetest.Session(c)
		s.Case = "c-" + c
		if err := st.Save(ctx, s, "1"); err != nil {
			t.Fatal(err)
		}
		// Keys of later features, recorded in the conversation's key index.
		if err := st.Track(ctx, c, 0, st.Key("case", c, "c-1"), st.Key("route", c)); err != nil {
			t.Fatal(err)
		}
		if err := st.client.Set(ctx, st.Key("case", c, "c-1"), "thread", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := st.client.HSet(ctx, st.Key("route", c), "thread", "1712.0001").Err(); err != nil {
			t.Fatal(err)
		}
		// Applied ids as versions before 2026-11 kept them.
		if err := st.client.ZAdd(ctx, st.Key(kindSeen, c), goredis.Z{Score: 1, Member: "1"}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	before := allKeys(t, st)
	if err := st.Erase(ctx, chat); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	after := allKeys(t, st)
	for _, k := range after {
		if strings.Contains(k, id) {
			t.Errorf("after erasure a key still names the chat: %s", k)
		}
	}
	if len(after) != 5 || len(before) != 10 {
		t.Errorf("keys before erasure %d, after %d; want 10 and the other chat's 5: %q", len(before), len(after), after)
	}
}

// allKeys scans the whole keyspace (every master in Cluster).
func allKeys(t *testing.T, st *Store) []string {
	t.Helper()
	ctx := testContext(t)
	var mu sync.Mutex
	var keys []string
	scan := func(ctx context.Context, c *goredis.Client) error {
		iter := c.Scan(ctx, 0, "*", 100).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	switch c := st.client.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *goredis.Client:
		err = scan(ctx, c)
	default:
		t.Fatalf("unexpected client %T", c)
	}
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return keys
}

func testSeenIDsTrimmed(t *testing.T, cfg Config) {
	cfg.SeenIDs = 5
	st := newStore(t, cfg)
	ctx := testContext(t)
	const chat = "telegram:640"
	s := storetest.Session(chat)
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, id := range ids {
		if err := st.Save(ctx, s, id); err != nil {
			t.Fatal(err)
		}
	}
	data, err := st.client.Get(ctx, st.Key(kindSession, chat)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := decodeSession(chat, data); err != nil || len(strings.Fields(s.Applied)) != 5 {
		t.Errorf("applied tags kept: %+v (%v); want 5", s, err)
	}
	for i, id := range ids {
		_, seen, err := st.Load(ctx, chat, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= len(ids)-5; seen != want {
			t.Errorf("id %s seen = %v; want %v (the newest 5 are kept)", id, seen, want)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // part of the error
	}{
		{"nothing", Config{}, "no Redis address"},
		{"both", Config{URL: "redis://127.0.0.1:1", Addrs: []string{"127.0.0.1:2"}}, "both URL and Addrs"},
		{"bad scheme", Config{URL: "http://127.0.0.1:1"}, "parse Redis URL"},
		{"bad db", Config{URL: "redis://127.0.0.1:1/x"}, "parse Redis URL"},
		{"negative TTL", Config{URL: "redis://127.0.0.1:1", IdleTTL: -time.Second}, "idle TTL"},
		{"prefix with a brace", Config{URL: "redis://127.0.0.1:1", Prefix: "ok{"}, "prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%+v) error %v; want one containing %q", tt.cfg, err, tt.want)
			}
		})
	}
}

// TestURLCredentials connects with a password and an ACL user given in the
// URL, to the database the URL names.
func TestURLCredentials(t *testing.T) {
	srv := redistest.Start(t, redistest.WithArgs("--requirepass", "sekret", "--user", "okienko", "on", ">haslo", "~*", "+@all"))
	ctx := testContext(t)
	for _, tc := range []struct {
		url    string
		wantOK bool
	}{
		{"redis://:sekret@" + srv.Addr() + "/2", true},
		{"redis://okienko:haslo@" + srv.Addr() + "/3", true},
		{"redis://okienko:zle@" + srv.Addr() + "/0", false},
		{"redis://" + srv.Addr(), false},
	} {
		st := newStore(t, Config{URL: tc.url})
		err := st.Ping(ctx)
		if (err == nil) != tc.wantOK {
			t.Errorf("Ping via %s: %v; want ok %v", strings.ReplaceAll(tc.url, srv.Addr(), "ADDR"), err, tc.wantOK)
			continue
		}
		if !tc.wantOK {
			if strings.Contains(err.Error(), "zle") || strings.Contains(err.Error(), "sekret") {
				t.Errorf("error shows the password: %v", err)
			}
			continue
		}
		if err := st.Save(ctx, storetest.Session("telegram:650"), "1"); err != nil {
			t.Fatal(err)
		}
		db := strings.TrimPrefix(tc.url[strings.LastIndex(tc.url, "/"):], "/")
		if n := countIn(t, srv, db); n != 1 {
			t.Errorf("keys in database %s: %d; want the session", db, n)
		}
	}
}

// countIn counts the keys of one database with a raw connection.
func countIn(t *testing.T, srv *redistest.Server, db string) int {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Password: "sekret", DB: atoi(t, db)})
	defer c.Close()
	n, err := c.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// TestRedisDownAndBack stops a real redis-server in the middle of a
// conversation: calls fail (within the operation timeout, without a panic)
// while it is down, and work again after it restarts, on the same Store.
func TestRedisDownAndBack(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), OpTimeout: 500 * time.Millisecond})
	ctx := testContext(t)
	const chat = "telegram:700"
	if err := st.Save(ctx, storetest.Session(chat), "1"); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	start := time.Now()
	if _, _, err := st.Load(ctx, chat, "2"); err == nil {
		t.Fatal("Load while Redis is down: no error")
	} else if !strings.Contains(err.Error(), "load session") {
		t.Errorf("error lacks context: %v", err)
	}
	t.Logf("Load with Redis down failed after %v", time.Since(start))
	if err := st.Save(ctx, storetest.Session(chat), "2"); err == nil || errors.Is(err, bot.ErrConflict) {
		t.Errorf("Save while Redis is down: %v; want a failure that is not a conflict", err)
	}
	if err := st.Ping(ctx); err == nil {
		t.Error("Ping while Redis is down: no error")
	}
	srv.Restart()
	waitUp(t, st)
	// No AOF: the restarted server is empty, and the conversation starts over.
	s, _, err := st.Load(ctx, chat, "3")
	if err != nil || s != nil {
		t.Fatalf("Load after restart: %v, %v; want nothing stored", s, err)
	}
	if err := st.Save(ctx, storetest.Session(chat), "3"); err != nil {
		t.Fatalf("Save after restart: %v", err)
	}
}

// TestRedisHangs pauses redis-server: calls give up after the operation
// timeout instead of waiting, and work again once it resumes.
func TestRedisHangs(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, Config{URL: srv.URL(), OpTimeout: 300 * time.Millisecond})
	ctx := testContext(t)
	const chat = "telegram:710"
	if err := st.Save(ctx, storetest.Session(chat), "1"); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	start := time.Now()
	_, _, err := st.Load(ctx, chat, "2")
	elapsed := time.Since(start)
	srv.Resume()
	if err == nil {
		t.Fatal("Load while Redis hangs: no error")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("Load while Redis hangs: %v; want a timeout", err)
	}
	t.Logf("Load with Redis hanging failed after %v (OpTimeout 300ms)", elapsed)
	waitUp(t, st)
	s, _, err := st.Load(ctx, chat, "2")
	if err != nil || s == nil {
		t.Fatalf("Load after resume: %v, %v", s, err)
	}
}

// TestPersistenceWithAOF kills redis-server (as a crash) with the AOF on:
// the session is there after the restart.
func TestPersistenceWithAOF(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAOF())
	st := newStore(t, Config{URL: srv.URL()})
	ctx := testContext(t)
	const chat = "telegram:720"
	saved := storetest.Session(chat)
	saved.Case = "c-9"
	if err := st.Save(ctx, saved, "1"); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	srv.Restart()
	waitUp(t, st)
	got, seen, err := st.Load(ctx, chat, "1")
	if err != nil || got == nil || got.Version != 1 || got.Case != "c-9" || !seen {
		t.Fatalf("Load after a crash with AOF = %+v, seen %v, %v; want the saved session", got, seen, err)
	}
}

// waitUp waits until the store reaches Redis again; go-redis reconnects by
// itself, the first calls may still meet dead connections.
func waitUp(t *testing.T, st *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := st.Ping(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store does not reach Redis again: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEmbeddedAddr(t *testing.T) {
	e, err := StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !strings.HasPrefix(e.Addr(), "127.0.0.1:") || e.URL() != "redis://"+e.Addr() {
		t.Errorf("Addr %q, URL %q", e.Addr(), e.URL())
	}
	st := newStore(t, Config{URL: e.URL()})
	if err := st.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if err := st.Ping(testContext(t)); err == nil {
		t.Error("Ping after the embedded server closed: no error")
	}
}
