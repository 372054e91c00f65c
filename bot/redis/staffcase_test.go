package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"okienko/bot/desk"
	"okienko/bot/redis"
)

// TestStaffCase: case numbers are short and unique across replicas,
// transfers move a case only from its holder, relay marks hold and expire.
func TestStaffCase(t *testing.T) {
	emb, err := redis.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	ctx := context.Background()
	open := func() *redis.Store {
		st, err := redis.New(ctx, redis.Config{URL: emb.URL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	a, b := open(), open() // two replicas

	t.Run("case numbers", func(t *testing.T) {
		seen := map[string]bool{}
		for i := range 50 {
			st := a
			if i%2 == 1 {
				st = b
			}
			id := st.NewCaseID()
			if !strings.HasPrefix(id, "K-") || len(id) > 8 || seen[id] {
				t.Fatalf("case number %q (seen %v)", id, seen[id])
			}
			seen[id] = true
		}
	})

	t.Run("transfer", func(t *testing.T) {
		book := redis.NewCaseBook(a)
		rec := desk.CaseRecord{ID: "t1", Key: "telegram:1", Status: desk.StatusWaiting, Created: time.Now(), Channel: "C1", ThreadTS: "1.1"}
		if err := book.Put(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if _, won, err := book.Claim(ctx, "t1", "U1"); !won || err != nil {
			t.Fatalf("claim: %v %v", won, err)
		}
		if done, err := book.Transfer(ctx, "t1", "U2", "U3"); done || err != nil {
			t.Errorf("a transfer by a non-holder: %v, %v", done, err)
		}
		if done, err := book.Transfer(ctx, "t1", "U1", "U2"); !done || err != nil {
			t.Fatalf("transfer: %v, %v", done, err)
		}
		got, _, _ := book.Get(ctx, "t1")
		if got.Holder != "U2" || got.Status != desk.StatusClaimed {
			t.Errorf("after transfer: %+v", got)
		}
		if done, err := book.Transfer(ctx, "t1", "U2", ""); !done || err != nil {
			t.Fatalf("release: %v, %v", done, err)
		}
		waiting, _ := book.Waiting(ctx)
		if len(waiting) != 1 || waiting[0].ID != "t1" || waiting[0].Holder != "" {
			t.Errorf("a released case is not waiting: %+v", waiting)
		}
		if _, err := book.Transfer(ctx, "nope", "U1", "U2"); err == nil || !strings.Contains(err.Error(), "no such case") {
			t.Errorf("transfer of an unknown case: %v", err)
		}
	})

	t.Run("relay marks", func(t *testing.T) {
		ba, bb := redis.NewCaseBook(a), redis.NewCaseBook(b)
		tok, err := ba.BeginRelay(ctx, "C1", "2.1", time.Minute)
		if tok == "" || err != nil {
			t.Fatalf("begin: %q %v", tok, err)
		}
		if other, _ := bb.BeginRelay(ctx, "C1", "2.1", time.Minute); other != "" {
			t.Error("another replica got a message being delivered")
		}
		if err := ba.EndRelay(ctx, "C1", "2.1", tok, false); err != nil {
			t.Fatal(err)
		}
		tok, _ = bb.BeginRelay(ctx, "C1", "2.1", time.Minute)
		if tok == "" {
			t.Error("a failed delivery was not freed")
		}
		if err := bb.EndRelay(ctx, "C1", "2.1", tok, true); err != nil {
			t.Fatal(err)
		}
		if again, _ := ba.BeginRelay(ctx, "C1", "2.1", time.Minute); again != "" {
			t.Error("a delivered message was reserved again")
		}
		if other, _ := ba.BeginRelay(ctx, "C1:2", "1", time.Minute); other == "" {
			t.Error("channel and ts ran into each other")
		}
	})
}

// TestRelayReleaseFreesOnlyItsOwnReservation: an attempt whose hold ran out
// (it was slow, and a retry reserved the message since) must not free the
// retry's reservation when it gives up; the holder still frees its own.
func TestRelayReleaseFreesOnlyItsOwnReservation(t *testing.T) {
	runOnBackends(t, []struct {
		name string
		run  func(t *testing.T, e env)
	}{{"stale release", func(t *testing.T, e env) {
		ctx := ctxFor(t)
		book := redis.NewCaseBook(e.store(t))
		stale, err := book.BeginRelay(ctx, "C1", "2.1", time.Minute)
		if err != nil || stale == "" {
			t.Fatalf("begin: %q %v", stale, err)
		}
		// The hold runs out: the key expires.
		keys, err := e.raw.Keys(ctx, "*staffmsg*").Result()
		if err != nil || len(keys) != 1 {
			t.Fatalf("relay key: %v %v", keys, err)
		}
		if err := e.raw.Del(ctx, keys[0]).Err(); err != nil {
			t.Fatal(err)
		}
		retry, err := book.BeginRelay(ctx, "C1", "2.1", time.Minute)
		if err != nil || retry == "" {
			t.Fatalf("retry after the hold: %q %v", retry, err)
		}
		if err := book.EndRelay(ctx, "C1", "2.1", stale, false); err != nil {
			t.Fatal(err)
		}
		if tok, _ := book.BeginRelay(ctx, "C1", "2.1", time.Minute); tok != "" {
			t.Error("an attempt past its hold freed the retry's reservation: the message may reach the resident twice")
		}
		if err := book.EndRelay(ctx, "C1", "2.1", retry, false); err != nil {
			t.Fatal(err)
		}
		if tok, _ := book.BeginRelay(ctx, "C1", "2.1", time.Minute); tok == "" {
			t.Error("the holder's failed delivery was not freed for a retry")
		}
	}}})
}
