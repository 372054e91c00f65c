package redis_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/desk"
	"okienko/bot/needs"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
)

// scaleKeys is how many keys of other conversations TestEraseAtScale puts
// in Redis: more than the 1.6 million at which scanning every key made
// every erasure fail.
const scaleKeys = 2_000_000

// fillLua writes sessions of other conversations, ARGV[1]..ARGV[2], in
// one call.
const fillLua = `
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  redis.call('SET', 'okienko:sess:{telegram:j' .. i .. '}', '{"format":1,"key":"telegram:j' .. i .. '","version":1}')
end
return 1
`

// fillOthers puts scaleKeys sessions of other conversations into srv.
func fillOthers(t testing.TB, srv *redistest.Server) {
	t.Helper()
	const chunk = 250_000
	for from := 0; from < scaleKeys; from += chunk {
		if _, err := srv.Do("EVAL", fillLua, "0", strconv.Itoa(from), strconv.Itoa(from+chunk-1)); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
	if n, err := srv.Do("DBSIZE"); err != nil || n != strconv.Itoa(scaleKeys) {
		t.Fatalf("DBSIZE %s, %v; want %d", n, err, scaleKeys)
	}
}

// TestEraseAtScale: among two million keys of other conversations, a
// conversation with a session, an unmatched query in the needs report, a
// case in the case book and a staff reply in its web mailbox is erased by
// /usun with the default timeouts, and afterwards no key or value holds
// its chat id; the other conversations are all there.
func TestEraseAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("fills Redis with two million keys")
	}
	srv := redistest.Start(t)
	fillOthers(t, srv)
	st, n := openNeeds(t, redis.Config{URL: srv.URL()}, redis.NeedsConfig{Location: warsaw})
	eng, err := bot.New(bot.Config{Script: loadScript(t), Store: st, Searcher: searcher(t), Desk: quietDesk{}, Tally: n,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	const id = "731555001"
	chat := "telegram:" + id
	c := &conversation{t: t, eng: eng, chat: id}
	mustOK(t)(c.say("naprawa samochodu po stłuczce, nazywam się Jan Kowalski"))
	mustOK(t)(c.say("/czlowiek"))
	mustOK(t)(c.press("czat"))
	mustOK(t)(c.press("tak"))
	ctx := ctxFor(t)
	s, _, err := st.Load(ctx, chat, "")
	if err != nil || s == nil || s.Case == "" {
		t.Fatalf("after handoff: %+v, %v", s, err)
	}
	book := redis.NewCaseBook(st)
	if err := book.Put(ctx, desk.CaseRecord{ID: s.Case, Key: chat, Created: time.Now(), Channel: "C1", ThreadTS: "1712.0001", Status: desk.StatusWaiting}); err != nil {
		t.Fatal(err)
	}
	if _, err := redis.NewMailbox(st, redis.MailboxConfig{}).Post(ctx, chat, []byte(`{"text":"Dzień dobry"}`)); err != nil {
		t.Fatal(err)
	}
	mine := func() []string {
		t.Helper()
		var found []string
		for _, k := range ourKeys(t, st, srv) {
			if v := dumpKey(t, srv, k); strings.Contains(k+v, id) {
				found = append(found, k+" = "+v)
			}
		}
		return found
	}
	if before := mine(); len(before) < 4 {
		t.Fatalf("before erasure the conversation holds %d keys, want at least 4 (session, query, case, mailbox): %q", len(before), before)
	}

	start := time.Now()
	replies, _ := mustOK(t)(c.say("/usun"))
	took := time.Since(start)
	if !strings.Contains(strings.Join(replies, " "), "Usunięto") {
		t.Fatalf("erasure among %d keys answered %q", scaleKeys, replies)
	}
	t.Logf("/usun among %d keys: %v", scaleKeys, took)
	if left := mine(); len(left) > 0 {
		t.Errorf("after /usun these still hold the chat id:\n%s", strings.Join(left, "\n"))
	}
	if size, err := srv.Do("DBSIZE"); err != nil {
		t.Fatal(err)
	} else if n, _ := strconv.Atoi(size); n < scaleKeys {
		t.Errorf("DBSIZE %d; the other conversations' %d keys must stay", n, scaleKeys)
	}
	// For comparison (a figure, not a check): what the erasure used to
	// do, one SCAN of the whole keyspace for the conversation's keys.
	start = time.Now()
	scan := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer scan.Close()
	iter := scan.Scan(context.Background(), 0, `okienko:*\{telegram:`+id+`\}*`, 1000).Iterator()
	for iter.Next(context.Background()) {
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("baseline, one SCAN MATCH of the keyspace among %d keys: %v", scaleKeys, time.Since(start))
}

// ourKeys lists every key but the filler sessions, scanning the whole
// keyspace (the test may; the store must not).
func ourKeys(t testing.TB, st *redis.Store, srv *redistest.Server) []string {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer c.Close()
	var keys []string
	iter := c.Scan(context.Background(), 0, "*", 10_000).Iterator()
	for iter.Next(context.Background()) {
		if k := iter.Val(); !strings.HasPrefix(k, "okienko:sess:{telegram:j") {
			keys = append(keys, k)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// dumpKey is a key's value as text, whatever its type.
func dumpKey(t testing.TB, srv *redistest.Server, k string) string {
	t.Helper()
	typ, err := srv.Do("TYPE", k)
	if err != nil {
		t.Fatal(err)
	}
	cmd := map[string][]string{
		"string": {"GET", k}, "hash": {"HGETALL", k}, "set": {"SMEMBERS", k}, "zset": {"ZRANGE", k, "0", "-1"},
		"stream": {"XRANGE", k, "-", "+"}, "list": {"LRANGE", k, "0", "-1"},
	}[typ]
	if cmd == nil {
		return ""
	}
	v, err := srv.Do(cmd...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// BenchmarkEraseAmong2M erases conversations (a session, a case record
// and an unmatched query each) from a real redis-server that holds two
// million other sessions, next to the baseline of what erasure did before
// the key index: one SCAN MATCH of the whole keyspace for the
// conversation's keys.
//
//	go test ./bot/redis -run XXX -bench EraseAmong2M/index -benchtime 200x
//	go test ./bot/redis -run XXX -bench EraseAmong2M/scan -benchtime 3x
func BenchmarkEraseAmong2M(b *testing.B) {
	srv := redistest.Start(b)
	fillOthers(b, srv)
	st, err := redis.New(context.Background(), redis.Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	n, err := redis.NewNeeds(st, redis.NeedsConfig{Location: warsaw, AggregateEvery: -1})
	if err != nil {
		b.Fatal(err)
	}
	book := redis.NewCaseBook(st)
	ctx := context.Background()
	make1 := func(i int) string {
		chat := "telegram:7319" + strconv.Itoa(i)
		if err := st.Save(ctx, &bot.Session{Key: chat, Step: "start", Started: time.Now()}, "1"); err != nil {
			b.Fatal(err)
		}
		if err := book.Put(ctx, desk.CaseRecord{ID: "c" + strconv.Itoa(i), Key: chat, Created: time.Now(), Status: desk.StatusWaiting}); err != nil {
			b.Fatal(err)
		}
		if err := n.Count(ctx, time.Now(), chat, []needs.Fact{needs.UnmatchedQuery("", "remont dachu")}); err != nil {
			b.Fatal(err)
		}
		return chat
	}
	b.Run("index", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			chat := make1(i)
			b.StartTimer()
			if err := st.Erase(ctx, chat); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scan-baseline", func(b *testing.B) {
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), ReadTimeout: time.Minute})
		defer c.Close()
		for i := 0; b.Loop(); i++ {
			iter := c.Scan(ctx, 0, `okienko:*\{telegram:7319`+strconv.Itoa(i)+`\}*`, 1000).Iterator()
			for iter.Next(ctx) {
			}
			if err := iter.Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
