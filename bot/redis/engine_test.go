package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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
		// All 200 deliveries race, so a redelivery may come after any
		// number of other messages: the applied-id window must cover them.
		st, err := redis.New(ctx, redis.Config{URL: srv.URL(), SeenIDs: 256})
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

// conversation drives one chat through an engine, numbering its events.
type conversation struct {
	t    *testing.T
	eng  *bot.Engine
	chat string
	n    int
}

// say sends text (or, with a leading "[id]", presses the button id) and
// returns the replies' texts, the buttons offered last and the error.
func (c *conversation) say(text string) (replies []string, choices []string, err error) {
	c.t.Helper()
	c.n++
	return c.send(bot.Message{Channel: "telegram", ChatID: c.chat, EventID: "u" + strconv.Itoa(c.n), Text: text, Language: "pl"})
}

func (c *conversation) press(id string) ([]string, []string, error) {
	c.t.Helper()
	c.n++
	return c.send(bot.Message{Channel: "telegram", ChatID: c.chat, EventID: "u" + strconv.Itoa(c.n), Choice: id, Language: "pl"})
}

func (c *conversation) send(m bot.Message) (replies []string, choices []string, err error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events, err := c.eng.Handle(ctx, m)
	for _, ev := range events {
		if ev.Kind == bot.EventReply {
			replies = append(replies, ev.Reply.Text)
			choices = choices[:0]
			for _, ch := range ev.Reply.Choices {
				choices = append(choices, ch.ID)
			}
		}
	}
	return replies, choices, err
}

func loadScript(t testing.TB) *script.Script {
	t.Helper()
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatal(probs.Err())
	}
	return sc
}

// newEngine is an engine with production timeouts on a store of cfg.
func newEngine(t *testing.T, cfg redis.Config) (*bot.Engine, *redis.Store) {
	t.Helper()
	st, err := redis.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := bot.New(bot.Config{Script: loadScript(t), Store: st, Desk: quietDesk{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

// TestRedisGoesAwayMidConversation stops (and, separately, freezes) a real
// redis-server with AOF in the middle of a conversation, with the default
// timeouts: the resident gets the apology with the Centre's phone within
// 3 s, and after Redis is back the same engine continues the conversation
// at the step it had reached.
func TestRedisGoesAwayMidConversation(t *testing.T) {
	for _, fault := range []string{"stopped", "killed", "hanging"} {
		t.Run(fault, func(t *testing.T) {
			srv := redistest.Start(t, redistest.WithAOF())
			eng, _ := newEngine(t, redis.Config{URL: srv.URL()})
			phone := eng.Script().Centre.Phone
			if phone == "" {
				t.Fatal("the bundled script has no Centre phone")
			}
			c := &conversation{t: t, eng: eng, chat: "880" + strconv.Itoa(len(fault))}
			_, choices := mustOK(t)(c.say("/start"))
			if !slices.Contains(choices, "seniorzy") {
				t.Fatalf("topics %q", choices)
			}
			replies, choices := mustOK(t)(c.press("seniorzy"))
			if !slices.Contains(choices, "bliski") {
				t.Fatalf("after seniorzy: %q %q", replies, choices)
			}

			switch fault {
			case "stopped":
				srv.Stop()
			case "killed":
				srv.Kill()
			case "hanging":
				srv.Pause()
			}
			start := time.Now()
			replies, _, err := c.press("bliski")
			elapsed := time.Since(start)
			if !errors.Is(err, bot.ErrUnavailable) {
				t.Errorf("Handle with Redis %s: err %v; want ErrUnavailable", fault, err)
			}
			if len(replies) != 1 || !strings.Contains(replies[0], "Przepraszamy") || !strings.Contains(replies[0], phone) {
				t.Errorf("replies with Redis %s: %q; want one apology with %q", fault, replies, phone)
			}
			if elapsed > 3*time.Second {
				t.Errorf("the apology took %v with Redis %s; the resident must get it within 3 s", elapsed, fault)
			}
			t.Logf("apology after %v with Redis %s", elapsed, fault)

			if fault == "hanging" {
				srv.Resume()
			} else {
				srv.Restart()
			}
			// The resident taps again: the same engine and store reconnect by
			// themselves and continue at the step reached before the fault.
			replies, choices, err = c.press("bliski")
			if err != nil {
				t.Fatalf("first message after Redis came back: %v (%q)", err, replies)
			}
			if !slices.Contains(choices, "opieka_dom") {
				t.Errorf("after Redis came back: replies %q, choices %q; want the next question of the seniors' path", replies, choices)
			}
		})
	}
}

// mustOK adapts a (replies, choices, err) triple for a one-line check.
func mustOK(t *testing.T) func([]string, []string, error) ([]string, []string) {
	return func(r, c []string, err error) ([]string, []string) {
		t.Helper()
		if err != nil {
			t.Fatalf("Handle: %v (replies %q)", err, r)
		}
		return r, c
	}
}

// TestUnreadableSessionStartsAfresh puts values the store cannot use under
// a conversation's keys of a real Redis: the resident gets an ordinary
// answer (not the apology) and the value is replaced by a fresh session.
func TestUnreadableSessionStartsAfresh(t *testing.T) {
	srv := redistest.Start(t)
	eng, st := newEngine(t, redis.Config{URL: srv.URL()})
	for i, put := range [][]string{
		{"SET", "sess", "\x00\xffnot json"},
		{"SET", "sess", `{"format":1,"key":"telegram:1","version":9,"step":"temat"}`}, // another chat's
		{"SET", "sess", `{"format":42,"key":"telegram:KEY","version":3}`},             // a newer program's
		{"RPUSH", "sess", "a", "b"},
	} {
		chat := "5500" + strconv.Itoa(i)
		key := st.Key(put[1], "telegram:"+chat)
		args := append([]string{put[0], key}, put[2:]...)
		for j := range args {
			args[j] = strings.ReplaceAll(args[j], "KEY", chat)
		}
		if _, err := srv.Do(args...); err != nil {
			t.Fatal(err)
		}
		c := &conversation{t: t, eng: eng, chat: chat}
		replies, choices, err := c.say("/pomoc")
		if err != nil || len(replies) == 0 || strings.Contains(strings.Join(replies, " "), "Przepraszamy") {
			t.Errorf("%v: replies %q, err %v; want an ordinary answer", put, replies, err)
			continue
		}
		_ = choices
		got, err := srv.Do("GET", st.Key("sess", "telegram:"+chat))
		if err != nil || !strings.Contains(got, `"key":"telegram:`+chat+`"`) || !strings.Contains(got, `"version":1`) {
			t.Errorf("%v: stored session %q, %v; want a fresh one of this chat", put, got, err)
		}
	}
}

// TestErasureLeavesNoTrace: a conversation that reached a handoff (with the
// resident's phone and consent) and has case routing kept by another
// feature is erased with /usun; afterwards no key or value in Redis
// contains the chat id, and another chat is untouched.
func TestErasureLeavesNoTrace(t *testing.T) {
	srv := redistest.Start(t)
	eng, st := newEngine(t, redis.Config{URL: srv.URL()})
	const id, other = "731904562", "588120377"
	for _, chat := range []string{id, other} {
		c := &conversation{t: t, eng: eng, chat: chat}
		mustOK(t)(c.say("/start"))
		mustOK(t)(c.say("moja mama potrzebuje opieki w domu, dzwońcie 501 234 567"))
		mustOK(t)(c.say("/czlowiek"))
		mustOK(t)(c.press("czat"))
		replies, _ := mustOK(t)(c.press("tak"))
		if !strings.Contains(strings.Join(replies, " "), "Przekazano") {
			t.Fatalf("no handoff: %q", replies)
		}
		// What a Slack relay would keep: the thread of the case, both ways.
		ctx := context.Background()
		s, _, err := st.Load(ctx, "telegram:"+chat, "")
		if err != nil || s == nil || s.Case == "" {
			t.Fatalf("session after handoff: %+v, %v", s, err)
		}
		// Both recorded in the conversation's key index, as features must.
		if err := st.Track(ctx, "telegram:"+chat, 0, st.Key("case", "telegram:"+chat, s.Case), st.Key("note", "telegram:"+chat)); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range [][]string{
			{"HSET", st.Key("case", "telegram:"+chat, s.Case), "thread", "1712.0001", "chat", "telegram:" + chat},
			{"SET", st.Key("note", "telegram:"+chat), "resident " + chat + " asked for a call back"},
		} {
			if _, err := srv.Do(cmd...); err != nil {
				t.Fatal(err)
			}
		}
	}
	if dump := dumpRedis(t, srv); !strings.Contains(dump, id) {
		t.Fatalf("the chat id is nowhere before erasure; the check below would prove nothing:\n%s", dump)
	}
	c := &conversation{t: t, eng: eng, chat: id, n: 100}
	replies, _ := mustOK(t)(c.say("/usun"))
	if !strings.Contains(strings.Join(replies, " "), "Usunięto") {
		t.Errorf("erasure reply %q", replies)
	}
	dump := dumpRedis(t, srv)
	if strings.Contains(dump, id) {
		t.Errorf("after /usun Redis still holds the chat id:\n%s", dump)
	}
	if !strings.Contains(dump, other) {
		t.Errorf("erasure of one chat removed another's data:\n%s", dump)
	}
}

// dumpRedis lists every key (SCAN) with its whole value, whatever its type.
func dumpRedis(t *testing.T, srv *redistest.Server) string {
	t.Helper()
	keys, err := srv.Keys()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		typ, err := srv.Do("TYPE", k)
		if err != nil {
			t.Fatal(err)
		}
		var v string
		switch typ {
		case "string":
			v, err = srv.Do("GET", k)
		case "hash":
			v, err = srv.Do("HGETALL", k)
		case "list":
			v, err = srv.Do("LRANGE", k, "0", "-1")
		case "set":
			v, err = srv.Do("SMEMBERS", k)
		case "zset":
			v, err = srv.Do("ZRANGE", k, "0", "-1", "WITHSCORES")
		case "stream":
			v, err = srv.Do("XRANGE", k, "-", "+")
		case "none":
			continue
		default:
			t.Fatalf("key %s of type %s: extend dumpRedis", k, typ)
		}
		if err != nil {
			t.Fatalf("read %s (%s): %v", k, typ, err)
		}
		fmt.Fprintf(&b, "%s (%s) = %q\n", k, typ, v)
	}
	return b.String()
}

// TestLifetimesThroughTheEngine follows a conversation's keys on a real
// Redis: idle conversations carry the idle TTL and, once expired, start
// afresh; a handoff keeps the session without expiry until its case is
// closed; closing it brings the idle TTL back and gives case routing the
// retention.
func TestLifetimesThroughTheEngine(t *testing.T) {
	srv := redistest.Start(t)
	eng, st := newEngine(t, redis.Config{URL: srv.URL(), IdleTTL: 2 * time.Hour, ClosedCaseRetention: 240 * time.Hour})
	const chat = "990017"
	key := "telegram:" + chat
	sess, route := st.Key("sess", key), st.Key("case", key, "thread")
	pttl := func(k string) time.Duration {
		t.Helper()
		v, err := srv.Do("PTTL", k)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("PTTL %s = %q", k, v)
		}
		if ms < 0 {
			return time.Duration(ms) // -1: no expiry, -2: no key
		}
		return time.Duration(ms) * time.Millisecond
	}
	near := func(what string, got, want time.Duration) {
		t.Helper()
		if got > want || got < want-time.Minute {
			t.Errorf("%s: TTL %v; want about %v", what, got, want)
		}
	}
	c := &conversation{t: t, eng: eng, chat: chat}
	mustOK(t)(c.say("/start"))
	mustOK(t)(c.press("seniorzy"))
	near("idle session", pttl(sess), 2*time.Hour)

	// Idle expiry (forced here rather than waited for): the next message
	// starts a new conversation instead of failing.
	if _, err := srv.Do("PEXPIRE", sess, "1"); err != nil {
		t.Fatal(err)
	}
	for pttl(sess) != -2 {
		time.Sleep(5 * time.Millisecond)
	}
	replies, _ := mustOK(t)(c.say("/pomoc"))
	if len(replies) == 0 {
		t.Fatal("no reply after the session expired")
	}

	// A handoff: the session is kept without expiry while the case is open.
	mustOK(t)(c.say("/czlowiek"))
	mustOK(t)(c.press("czat"))
	mustOK(t)(c.press("tak"))
	s, _, err := st.Load(context.Background(), key, "")
	if err != nil || s == nil || s.Case == "" {
		t.Fatalf("after handoff: %+v, %v", s, err)
	}
	if d := pttl(sess); d != -1 {
		t.Errorf("session with an open case: TTL %v; want none", d)
	}
	if err := st.Track(context.Background(), key, 0, route); err != nil { // in the key index, as features must
		t.Fatal(err)
	}
	if _, err := srv.Do("SET", route, "1712.0001"); err != nil { // routing, kept by a relay
		t.Fatal(err)
	}
	mustOK(t)(c.say("czy ktoś już to czyta?"))
	if d := pttl(sess); d != -1 {
		t.Errorf("open case after another message: TTL %v; want none", d)
	}

	// Staff closing another case changes nothing; closing this one (the
	// production path: the engine saves the session without its case)
	// restores the idle TTL and starts the retention of the routing.
	closeCase := func(id, eventID string) {
		t.Helper()
		if _, err := eng.Staff(context.Background(), bot.StaffEvent{Kind: bot.StaffClosed,
			Case: bot.CaseRef{ID: id, Key: key}, EventID: eventID}); err != nil {
			t.Fatalf("staff close of %s: %v", id, err)
		}
	}
	closeCase("not-this-one", "close-other")
	if d := pttl(sess); d != -1 {
		t.Errorf("after another case closed: TTL %v; want none", d)
	}
	closeCase(s.Case, "close-1")
	near("session after its case closed", pttl(sess), 2*time.Hour)
	near("case routing after the case closed", pttl(route), 240*time.Hour)
	after, _, err := st.Load(context.Background(), key, "")
	if err != nil || after.Case != "" || after.Version <= s.Version {
		t.Errorf("after the close: case %q version %d (was %d), %v", after.Case, after.Version, s.Version, err)
	}
	// The conversation goes on, and a later message keeps the idle TTL.
	mustOK(t)(c.say("/pomoc"))
	near("session after a message once the case closed", pttl(sess), 2*time.Hour)
}

// quietDesk takes cases and relays without a staff tool, so that the
// engine keeps cases open as it does in production.
type quietDesk struct{}

func (quietDesk) Open(context.Context, bot.Case) error                { return nil }
func (quietDesk) Relay(context.Context, bot.CaseRef, bot.Entry) error { return nil }
func (quietDesk) Erased(context.Context, bot.CaseRef) error           { return nil }
