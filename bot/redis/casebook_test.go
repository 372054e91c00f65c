package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/desk"
	"okienko/bot/redis"
	"okienko/bot/storetest"
)

type caseBook = redis.CaseBook

func newCaseBook(st *redis.Store) *caseBook {
	return redis.NewCaseBook(st)
}

var created = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func record(id, chat string, minutes int) desk.CaseRecord {
	return desk.CaseRecord{
		ID:      id,
		Key:     chat,
		Urgency: bot.UrgencyNormal,
		Created: created.Add(time.Duration(minutes) * time.Minute),
		Status:  desk.StatusWaiting,
	}
}

func TestCaseBook(t *testing.T) {
	runOnBackends(t, []struct {
		name string
		run  func(t *testing.T, e env)
	}{
		{"PutGetByThread", testCasePutGet},
		{"ConcurrentClaims", testCaseConcurrentClaims},
		{"StatusAndRetention", testCaseStatusRetention},
		{"WaitingOrder", testCaseWaitingOrder},
		{"CloseCaseRetainsIndex", testCaseCloseCaseRetainsIndex},
		{"EraseLeavesNothing", testCaseEraseLeavesNothing},
		{"QuietClaimedCases", testCaseQuiet},
		{"OpenCaseGauges", testCaseGauges},
		{"FlagOnce", testCaseFlagOnce},
		{"FlagKeepsClaims", testCaseFlagKeepsClaims},
		{"PostedMarks", testCasePostedMarks},
		{"ErrNoCaseShared", testCaseErrNoCaseShared},
	})
}

func testCasePutGet(t *testing.T, e env) {
	ctx := ctxFor(t)
	book := newCaseBook(e.store(t))
	r := record("c-1", "telegram:100", 0)
	r.Channel, r.ThreadTS = "C0STAFF", "1712.000100"
	r.Urgency = bot.UrgencyUrgent
	if err := book.Put(ctx, r); err != nil {
		t.Fatalf("Put: %v", err)
	}
	other := newCaseBook(e.store(t)) // another replica
	got, ok, err := other.Get(ctx, "c-1")
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	if d := cmp.Diff(r, got); d != "" {
		t.Errorf("Get (-put +got):\n%s", d)
	}
	got, ok, err = other.ByThread(ctx, "C0STAFF", "1712.000100")
	if err != nil || !ok || got.ID != "c-1" {
		t.Errorf("ByThread = %+v, %v, %v", got, ok, err)
	}
	for _, q := range [][2]string{{"C0STAFF", "1712.000101"}, {"C0OTHER", "1712.000100"}} {
		if _, ok, err := other.ByThread(ctx, q[0], q[1]); ok || err != nil {
			t.Errorf("ByThread(%s, %s) = %v, %v; want not found", q[0], q[1], ok, err)
		}
	}
	if _, ok, err := other.Get(ctx, "c-404"); ok || err != nil {
		t.Errorf("Get of an unknown case = %v, %v; want not found", ok, err)
	}
	// Replaced with the card moved to another thread: the old one no longer finds it.
	r.ThreadTS = "1712.000200"
	r.Reminded = true
	if err := book.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := other.ByThread(ctx, "C0STAFF", "1712.000100"); ok {
		t.Error("the old thread still finds the case")
	}
	if got, ok, _ := other.ByThread(ctx, "C0STAFF", "1712.000200"); !ok || !got.Reminded {
		t.Errorf("the new thread finds %+v, %v", got, ok)
	}
	for _, bad := range []desk.CaseRecord{
		{Key: "telegram:1", Status: desk.StatusWaiting},
		{ID: "c-2", Status: desk.StatusWaiting},
		{ID: "c-2", Key: "telegram:1", Status: "lost"},
	} {
		if err := book.Put(ctx, bad); err == nil {
			t.Errorf("Put(%+v): no error", bad)
		}
	}
}

// testCaseConcurrentClaims: 20 organizers on several replicas click Claim
// at once: exactly one wins and all agree who holds the case.
func testCaseConcurrentClaims(t *testing.T, e env) {
	ctx := ctxFor(t)
	var books []*caseBook
	for range 4 {
		books = append(books, newCaseBook(e.store(t)))
	}
	for round := range 3 {
		id := fmt.Sprintf("c-%d", round)
		if err := books[0].Put(ctx, record(id, "telegram:200", round)); err != nil {
			t.Fatal(err)
		}
		const n = 20
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			holders [n]string
			wins    [n]bool
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				h, won, err := books[i%len(books)].Claim(ctx, id, fmt.Sprintf("U%02d", i))
				if err != nil {
					t.Errorf("Claim: %v", err)
				}
				holders[i], wins[i] = h, won
			}()
		}
		close(start)
		wg.Wait()
		winner := ""
		for i := range n {
			if wins[i] {
				if winner != "" {
					t.Fatalf("round %d: two winners %s and U%02d", round, winner, i)
				}
				winner = fmt.Sprintf("U%02d", i)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: nobody won", round)
		}
		for i, h := range holders {
			if h != winner {
				t.Errorf("round %d: claim %d reports holder %q; the winner is %s", round, i, h, winner)
			}
		}
		got, _, _ := books[1].Get(ctx, id)
		if got.Holder != winner || got.Status != desk.StatusClaimed {
			t.Errorf("record after claims: holder %q status %q; want %s, claimed", got.Holder, got.Status, winner)
		}
		// The holder clicking again still holds it; someone else is refused.
		if h, won, err := books[2].Claim(ctx, id, winner); !won || h != winner || err != nil {
			t.Errorf("repeated claim by the holder = %q, %v, %v", h, won, err)
		}
		if h, won, err := books[3].Claim(ctx, id, "ULATE"); won || h != winner || err != nil {
			t.Errorf("late claim = %q, %v, %v; want refused with holder %s", h, won, err, winner)
		}
	}
	if _, _, err := books[0].Claim(ctx, "c-404", "U1"); !errors.Is(err, redis.ErrNoCase) {
		t.Errorf("claim of an unknown case: %v; want ErrNoCase", err)
	}
	if w, err := books[0].Waiting(ctx); err != nil || len(w) != 0 {
		t.Errorf("Waiting after claims = %v, %v; want none", w, err)
	}
}

func testCaseStatusRetention(t *testing.T, e env) {
	e.cfg.ClosedCaseRetention = 48 * time.Hour
	ctx := ctxFor(t)
	st := e.store(t)
	book := newCaseBook(st)
	r := record("c-1", "telegram:300", 0)
	r.Channel, r.ThreadTS = "C0STAFF", "1712.000300"
	if err := book.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	keys := []string{st.Key("case", "telegram:300", "c-1"), "okienko:caseidx:c-1", "okienko:casethread:C0STAFF:1712.000300"}
	ttls := func() []time.Duration {
		var out []time.Duration
		for _, k := range keys {
			d, err := e.raw.PTTL(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		return out
	}
	noExpiry := func(when string) {
		t.Helper()
		for i, d := range ttls() {
			if d != -1 {
				t.Errorf("%s: %s has TTL %v; want none", when, keys[i], d)
			}
		}
	}
	retained := func(when string) {
		t.Helper()
		for i, d := range ttls() {
			if d > 48*time.Hour || d < 47*time.Hour {
				t.Errorf("%s: %s has TTL %v; want about 48h", when, keys[i], d)
			}
		}
	}
	noExpiry("waiting")
	if _, won, err := book.Claim(ctx, "c-1", "U1"); !won || err != nil {
		t.Fatalf("Claim = %v, %v", won, err)
	}
	noExpiry("claimed")
	if err := book.SetStatus(ctx, "c-1", desk.StatusClosed); err != nil {
		t.Fatalf("SetStatus closed: %v", err)
	}
	retained("closed")
	got, _, _ := book.Get(ctx, "c-1")
	if got.Status != desk.StatusClosed || got.Holder != "U1" || got.ThreadTS != r.ThreadTS {
		t.Errorf("closed record %+v; want closed, held by U1, the rest kept", got)
	}
	if h, won, err := book.Claim(ctx, "c-1", "U2"); won || h != "U1" || err != nil {
		t.Errorf("claim of a closed case = %q, %v, %v; want refused", h, won, err)
	}
	if h, won, err := book.Claim(ctx, "c-1", "U1"); won || err != nil {
		t.Errorf("claim of a closed case by its holder = %q, %v, %v; want refused", h, won, err)
	}
	// Back to waiting: no holder, no expiry, listed again.
	if err := book.SetStatus(ctx, "c-1", desk.StatusWaiting); err != nil {
		t.Fatal(err)
	}
	noExpiry("waiting again")
	got, _, _ = book.Get(ctx, "c-1")
	if got.Status != desk.StatusWaiting || got.Holder != "" {
		t.Errorf("record back to waiting %+v", got)
	}
	if w, _ := book.Waiting(ctx); len(w) != 1 || w[0].ID != "c-1" {
		t.Errorf("Waiting = %+v; want c-1", w)
	}
	if err := book.SetStatus(ctx, "c-1", desk.StatusReturned); err != nil {
		t.Fatal(err)
	}
	retained("returned")
	if w, _ := book.Waiting(ctx); len(w) != 0 {
		t.Errorf("Waiting after return = %+v; want none", w)
	}
	if err := book.SetStatus(ctx, "c-1", desk.StatusClaimed); err == nil {
		t.Error("SetStatus claimed: no error (Claim sets it)")
	}
	if err := book.SetStatus(ctx, "c-1", "lost"); err == nil {
		t.Error("SetStatus with an unknown status: no error")
	}
	if err := book.SetStatus(ctx, "c-404", desk.StatusClosed); !errors.Is(err, redis.ErrNoCase) {
		t.Errorf("SetStatus of an unknown case: %v; want ErrNoCase", err)
	}
	// Put of a closed record gives the retention too.
	r2 := record("c-2", "telegram:301", 0)
	r2.Status = desk.StatusClosed
	if err := book.Put(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if d := e.raw.PTTL(ctx, "okienko:caseidx:c-2").Val(); d < 47*time.Hour {
		t.Errorf("index of a closed record put: TTL %v", d)
	}
}

func testCaseWaitingOrder(t *testing.T, e env) {
	ctx := ctxFor(t)
	book := newCaseBook(e.store(t))
	if w, err := book.Waiting(ctx); err != nil || len(w) != 0 {
		t.Fatalf("Waiting of an empty book = %v, %v", w, err)
	}
	put := func(r desk.CaseRecord) {
		t.Helper()
		if err := book.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	put(record("c-new", "telegram:400", 30))
	put(record("c-old", "telegram:401", -60))
	put(record("c-mid", "slack:402", 5))
	held := record("c-held", "telegram:403", -90)
	held.Status, held.Holder = desk.StatusClaimed, "U1"
	put(held)
	closed := record("c-closed", "telegram:404", -120)
	closed.Status = desk.StatusClosed
	put(closed)
	ids := func() []string {
		w, err := book.Waiting(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range w {
			out = append(out, r.ID)
		}
		return out
	}
	if d := cmp.Diff([]string{"c-old", "c-mid", "c-new"}, ids()); d != "" {
		t.Errorf("Waiting (-want +got):\n%s", d)
	}
	if _, won, _ := book.Claim(ctx, "c-old", "U2"); !won {
		t.Fatal("claim of c-old lost")
	}
	if err := book.SetStatus(ctx, "c-held", desk.StatusWaiting); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"c-held", "c-mid", "c-new"}, ids()); d != "" {
		t.Errorf("Waiting after a claim and a release (-want +got):\n%s", d)
	}
	// A record that went away (expired) leaves the list.
	if err := e.raw.Del(ctx, "okienko:caseidx:c-mid").Err(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"c-held", "c-new"}, ids()); d != "" {
		t.Errorf("Waiting after c-mid's index went (-want +got):\n%s", d)
	}
	if n := e.raw.ZCard(ctx, "okienko:casewaiting").Val(); n != 2 {
		t.Errorf("waiting set holds %d; want the 2 waiting cases", n)
	}
}

// testCaseCloseCaseRetainsIndex: when the session's case closes (the
// engine saves it without the case, as on a staff close), the record and
// its index keys get the retention.
func testCaseCloseCaseRetainsIndex(t *testing.T, e env) {
	e.cfg.ClosedCaseRetention = 72 * time.Hour
	ctx := ctxFor(t)
	st := e.store(t)
	book := newCaseBook(st)
	const chat = "telegram:500"
	s := storetest.Session(chat)
	s.Case = "c-5"
	if err := st.Save(ctx, s, "1"); err != nil {
		t.Fatal(err)
	}
	r := record("c-5", chat, 0)
	r.Channel, r.ThreadTS = "C0STAFF", "1712.000500"
	if err := book.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	s, _, err := st.Load(ctx, chat, "")
	if err != nil || s == nil {
		t.Fatalf("load: %+v, %v", s, err)
	}
	s.Case = ""
	if err := st.Save(ctx, s, "2"); err != nil {
		t.Fatalf("save without the case: %v", err)
	}
	for _, k := range []string{st.Key("case", chat, "c-5"), "okienko:caseidx:c-5", "okienko:casethread:C0STAFF:1712.000500"} {
		if d := e.raw.PTTL(ctx, k).Val(); d > 72*time.Hour || d < 71*time.Hour {
			t.Errorf("%s: TTL %v after the case closed; want about 72h", k, d)
		}
	}
}

// testCaseEraseLeavesNothing erases a conversation with a session, case
// records (waiting with a card, closed) and outbox entries about them, one
// of them pending: afterwards no key and no value anywhere names the chat,
// and another conversation's cases are untouched.
func testCaseEraseLeavesNothing(t *testing.T, e env) {
	ctx := ctxFor(t)
	st := e.store(t)
	book := newCaseBook(st)
	out := redis.NewOutbox(st, "slack")
	const id = "987654321"
	chat, other := "telegram:"+id, "telegram:123123"
	for i, c := range []string{chat, other} {
		s := storetest.Session(c)
		s.Case = fmt.Sprintf("c-open-%d", i)
		if err := st.Save(ctx, s, "1"); err != nil {
			t.Fatal(err)
		}
		open := record(s.Case, c, i)
		open.Channel, open.ThreadTS = "C0STAFF", fmt.Sprintf("1712.00%d", i)
		closed := record(fmt.Sprintf("c-closed-%d", i), c, -100)
		closed.Status = desk.StatusClosed
		for _, r := range []desk.CaseRecord{open, closed} {
			if err := book.Put(ctx, r); err != nil {
				t.Fatal(err)
			}
			payload := fmt.Sprintf(`{"key":%q,"words":"mama %s"}`, c, c)
			if err := out.Add(ctx, desk.OutboxEntry{Kind: "case", CaseID: r.ID, Payload: []byte(payload)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One entry of the erased chat is being delivered (pending).
	if got, err := out.Read(ctx, "a", 1, time.Second, time.Hour); err != nil || len(got) != 1 || got[0].CaseID != "c-open-0" {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	if found := valuesNaming(t, e.raw, id); len(found) == 0 {
		t.Fatal("before erasure nothing names the chat: the check finds nothing")
	}
	if err := st.Erase(ctx, chat); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	for _, f := range valuesNaming(t, e.raw, id) {
		t.Errorf("after erasure: %s", f)
	}
	for _, cid := range []string{"c-open-0", "c-closed-0"} {
		if _, ok, err := book.Get(ctx, cid); ok || err != nil {
			t.Errorf("Get(%s) after erasure = %v, %v", cid, ok, err)
		}
	}
	if _, ok, _ := book.ByThread(ctx, "C0STAFF", "1712.000"); ok {
		t.Error("ByThread finds the erased case")
	}
	// The other conversation keeps everything.
	if r, ok, err := book.Get(ctx, "c-open-1"); !ok || err != nil || r.Key != other {
		t.Errorf("the other chat's case after erasure = %+v, %v, %v", r, ok, err)
	}
	if w, _ := book.Waiting(ctx); len(w) != 1 || w[0].ID != "c-open-1" {
		t.Errorf("Waiting after erasure = %+v; want the other chat's case", w)
	}
	if got := e.raw.ZRange(ctx, "okienko:caseopen", 0, -1).Val(); len(got) != 1 || got[0] != "c-open-1" {
		t.Errorf("open cases after erasure = %v; want the other chat's case only", got)
	}
	if n := e.raw.XLen(ctx, out.Key()).Val(); n != 2 {
		t.Errorf("outbox entries after erasure %d; want the other chat's 2", n)
	}
	if n, _ := out.Pending(ctx); n != 0 {
		t.Errorf("pending entries after erasure %d; want 0", n)
	}
}

// valuesNaming scans every key and reports the names and values (of every
// type) that contain s.
func valuesNaming(t *testing.T, c *goredis.Client, s string) []string {
	t.Helper()
	ctx := context.Background()
	var found []string
	iter := c.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if strings.Contains(k, s) {
			found = append(found, "key "+k)
		}
		var parts []string
		switch typ := c.Type(ctx, k).Val(); typ {
		case "string":
			parts = []string{c.Get(ctx, k).Val()}
		case "zset":
			parts = c.ZRange(ctx, k, 0, -1).Val()
		case "set":
			parts = c.SMembers(ctx, k).Val()
		case "list":
			parts = c.LRange(ctx, k, 0, -1).Val()
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				parts = append(parts, f, v)
			}
		case "stream":
			for _, m := range c.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					parts = append(parts, f, fmt.Sprint(v))
				}
			}
			for _, g := range c.XInfoGroups(ctx, k).Val() {
				for _, p := range c.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: k, Group: g.Name, Start: "-", End: "+", Count: 1000}).Val() {
					parts = append(parts, p.Consumer)
				}
			}
		default:
			t.Errorf("key %s of unexpected type %q", k, typ)
		}
		for _, p := range parts {
			if strings.Contains(p, s) {
				found = append(found, fmt.Sprintf("%s holds %.80q", k, p))
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return found
}

// testCaseFlagOnce: replicas race to set a waiting case's flags: exactly
// one call wins each flag; the rest of the record is kept; a case that is
// not waiting is not flagged.
func testCaseFlagOnce(t *testing.T, e env) {
	ctx := ctxFor(t)
	var books []*caseBook
	for range 4 {
		books = append(books, newCaseBook(e.store(t)))
	}
	r := record("c-f", "telegram:600", 0)
	r.Channel, r.ThreadTS = "C0STAFF", "1712.000600"
	r.Due = r.Created.Add(10 * time.Hour)
	if err := books[0].Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{desk.FlagReminded, desk.FlagTimedOut} {
		const n = 16
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			wins  [n]bool
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				first, err := books[i%len(books)].Flag(ctx, "c-f", flag)
				if err != nil {
					t.Errorf("Flag: %v", err)
				}
				wins[i] = first
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, w := range wins {
			if w {
				won++
			}
		}
		if won != 1 {
			t.Errorf("flag %s: %d calls won, want 1", flag, won)
		}
		if first, err := books[1].Flag(ctx, "c-f", flag); first || err != nil {
			t.Errorf("flag %s again = %v, %v; want false", flag, first, err)
		}
	}
	got, _, err := books[2].Get(ctx, "c-f")
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.Reminded, want.TimedOut = true, true
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("record after flags (-want +got):\n%s", d)
	}
	if w, _ := books[0].Waiting(ctx); len(w) != 1 || !w[0].Reminded {
		t.Errorf("Waiting after flags = %+v", w)
	}
	// A claimed, a closed case: no flag.
	held := record("c-held", "telegram:601", 0)
	if err := books[0].Put(ctx, held); err != nil {
		t.Fatal(err)
	}
	if _, won, _ := books[0].Claim(ctx, "c-held", "U1"); !won {
		t.Fatal("claim lost")
	}
	closed := record("c-closed", "telegram:602", 0)
	closed.Status = desk.StatusClosed
	if err := books[0].Put(ctx, closed); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c-held", "c-closed"} {
		if first, err := books[0].Flag(ctx, id, desk.FlagReminded); first || err != nil {
			t.Errorf("Flag(%s) = %v, %v; want false", id, first, err)
		}
		if got, _, _ := books[0].Get(ctx, id); got.Reminded {
			t.Errorf("%s was flagged", id)
		}
	}
	if _, err := books[0].Flag(ctx, "c-f", "holder"); err == nil {
		t.Error("Flag of a field that is not a flag: no error")
	}
	if _, err := books[0].Flag(ctx, "", desk.FlagReminded); err == nil {
		t.Error("Flag of an empty case id: no error")
	}
}

// testCaseFlagKeepsClaims: flags set while organizers claim never undo
// the claim (the flags were once set by Get then Put).
func testCaseFlagKeepsClaims(t *testing.T, e env) {
	ctx := ctxFor(t)
	a, b := newCaseBook(e.store(t)), newCaseBook(e.store(t))
	for round := range 10 {
		id := fmt.Sprintf("c-%d", round)
		if err := a.Put(ctx, record(id, "telegram:610", round)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				switch i % 3 {
				case 0:
					_, _, err = a.Claim(ctx, id, "U1")
				case 1:
					_, err = b.Flag(ctx, id, desk.FlagReminded)
				default:
					_, err = a.Flag(ctx, id, desk.FlagTimedOut)
				}
				if err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		got, _, _ := b.Get(ctx, id)
		if got.Holder != "U1" || got.Status != desk.StatusClaimed {
			t.Fatalf("round %d: the claim was undone: %+v", round, got)
		}
	}
	if w, _ := a.Waiting(ctx); len(w) != 0 {
		t.Errorf("Waiting = %+v; want none", w)
	}
}

// testCasePostedMarks: an outbox entry is marked posted once, across
// replicas, for about a day, under a key that names no conversation.
func testCasePostedMarks(t *testing.T, e env) {
	ctx := ctxFor(t)
	a, b := newCaseBook(e.store(t)), newCaseBook(e.store(t))
	const entry = "1712000000000-0"
	if ts, ok, err := b.Posted(ctx, entry); ok || err != nil || ts != "" {
		t.Fatalf("Posted before = %q, %v, %v", ts, ok, err)
	}
	const n = 12
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		firsts [n]bool
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			book := a
			if i%2 == 1 {
				book = b
			}
			first, err := book.MarkPosted(ctx, entry, fmt.Sprintf("1712.%06d", i))
			if err != nil {
				t.Errorf("MarkPosted: %v", err)
			}
			firsts[i] = first
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, f := range firsts {
		if f {
			if winner >= 0 {
				t.Fatalf("two first marks: %d and %d", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no first mark")
	}
	ts, ok, err := a.Posted(ctx, entry)
	if !ok || err != nil || ts != fmt.Sprintf("1712.%06d", winner) {
		t.Errorf("Posted = %q, %v, %v; want the first mark's ts", ts, ok, err)
	}
	if first, err := b.MarkPosted(ctx, entry, "1712.999999"); first || err != nil {
		t.Errorf("a later mark = %v, %v; want false", first, err)
	}
	if ts2, _, _ := b.Posted(ctx, entry); ts2 != ts {
		t.Errorf("a later mark replaced the ts: %q", ts2)
	}
	key := "okienko:caseposted:" + entry
	if d := e.raw.PTTL(ctx, key).Val(); d > redis.PostedRetention || d < redis.PostedRetention-time.Hour {
		t.Errorf("%s: TTL %v; want about %v", key, d, redis.PostedRetention)
	}
	if _, ok, _ := a.Posted(ctx, "1712000000000-1"); ok {
		t.Error("another entry is marked")
	}
	for _, bad := range [][2]string{{"", "1712.1"}, {entry, ""}} {
		if _, err := a.MarkPosted(ctx, bad[0], bad[1]); err == nil {
			t.Errorf("MarkPosted(%q, %q): no error", bad[0], bad[1])
		}
	}
}

// testCaseErrNoCaseShared: the case book's ErrNoCase is the one the Slack
// adapter (and package bot) match.
func testCaseErrNoCaseShared(t *testing.T, e env) {
	ctx := ctxFor(t)
	book := newCaseBook(e.store(t))
	_, _, claimErr := book.Claim(ctx, "c-404", "U1")
	statusErr := book.SetStatus(ctx, "c-404", desk.StatusClosed)
	_, flagErr := book.Flag(ctx, "c-404", desk.FlagReminded)
	for name, err := range map[string]error{"Claim": claimErr, "SetStatus": statusErr, "Flag": flagErr} {
		if !errors.Is(err, desk.ErrNoCase) || !errors.Is(err, bot.ErrNoCase) || !errors.Is(err, redis.ErrNoCase) {
			t.Errorf("%s of an unknown case: %v; want ErrNoCase", name, err)
		}
	}
}

// testCaseQuiet: the open cases index follows the cases' statuses and the
// activity the staff tool reports; Quiet lists the claimed cases nobody
// wrote in since a time, quietest first, and never waiting or closed ones.
func testCaseQuiet(t *testing.T, e env) {
	ctx := ctxFor(t)
	book := newCaseBook(e.store(t))
	day := 24 * time.Hour
	for i, id := range []string{"q-idle", "q-busy", "q-waiting", "q-closed", "q-older"} {
		if err := book.Put(ctx, record(id, fmt.Sprintf("telegram:70%d", i), i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"q-idle", "q-busy", "q-closed", "q-older"} {
		if _, won, err := book.Claim(ctx, id, "U1"); !won || err != nil {
			t.Fatalf("Claim(%s) = %v, %v", id, won, err)
		}
	}
	touch := func(id string, at time.Time) {
		t.Helper()
		if err := book.Touch(ctx, id, at); err != nil {
			t.Fatalf("Touch(%s): %v", id, err)
		}
	}
	touch("q-idle", created.Add(time.Hour))
	touch("q-older", created.Add(30*time.Minute))
	touch("q-busy", created.Add(time.Hour))
	touch("q-busy", created.Add(day+time.Hour)) // the resident wrote the next day
	touch("q-busy", created)                    // an earlier time never moves it back
	touch("q-waiting", created.Add(time.Hour))
	if err := book.SetStatus(ctx, "q-closed", desk.StatusClosed); err != nil {
		t.Fatal(err)
	}
	touch("q-closed", created.Add(-day)) // closed: not in the index, stays out
	touch("q-gone", created)             // unknown: nothing happens

	got, err := book.Quiet(ctx, created.Add(day))
	if err != nil {
		t.Fatalf("Quiet: %v", err)
	}
	var ids []string
	for _, q := range got {
		ids = append(ids, q.ID+"@"+q.Since.Format("15:04"))
		if q.Holder != "U1" || q.Status != desk.StatusClaimed {
			t.Errorf("quiet case %+v", q)
		}
	}
	if d := cmp.Diff([]string{"q-older@10:00", "q-idle@10:30"}, ids); d != "" {
		t.Errorf("Quiet at the next day (-want +got):\n%s", d)
	}
	// Earlier, nothing was quiet that long.
	if got, err := book.Quiet(ctx, created.Add(time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("Quiet too early = %+v, %v; want none", got, err)
	}
	members := e.raw.ZRange(ctx, "okienko:caseopen", 0, -1).Val()
	if d := cmp.Diff([]string{"q-older", "q-idle", "q-waiting", "q-busy"}, members); d != "" {
		t.Errorf("open cases index (-want +got):\n%s", d)
	}
	for _, m := range members {
		if strings.Contains(m, "telegram") {
			t.Errorf("the open cases index names a chat: %s", m)
		}
	}
}

// testCaseGauges: the gauges operators read count waiting and claimed
// open cases; a closed case leaves both.
func testCaseGauges(t *testing.T, e env) {
	ctx := ctxFor(t)
	st := e.store(t)
	book := newCaseBook(st)
	for i, id := range []string{"g-1", "g-2", "g-3"} {
		if err := book.Put(ctx, record(id, "telegram:30"+strconv.Itoa(i), 0)); err != nil {
			t.Fatalf("Put %s: %v", id, err)
		}
	}
	if _, won, err := book.Claim(ctx, "g-1", "U1"); err != nil || !won {
		t.Fatalf("Claim = %v, %v", won, err)
	}
	if err := book.SetStatus(ctx, "g-3", desk.StatusClosed); err != nil {
		t.Fatalf("SetStatus: %v", err)
	}
	waiting, err := st.WaitingCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimedCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if waiting != 1 || claimed != 1 {
		t.Errorf("waiting %d, claimed %d; want 1 and 1", waiting, claimed)
	}
}
