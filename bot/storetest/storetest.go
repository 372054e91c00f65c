// Package storetest holds the contract every bot.SessionStore must keep, as
// tests that any implementation runs against itself: the in-process store
// and Redis (real and embedded) are held to the same behaviour.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"okienko/bot"
)

// Run runs the contract tests. newStore returns an empty store for one
// subtest; it is called once per subtest and may register cleanups on t.
func Run(t *testing.T, newStore func(t *testing.T) bot.SessionStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, st bot.SessionStore)
	}{
		{"LoadAbsent", testLoadAbsent},
		{"RoundTrip", testRoundTrip},
		{"Conflict", testConflict},
		{"SeenEvents", testSeenEvents},
		{"AppliedMeanwhile", testAppliedMeanwhile},
		{"Erase", testErase},
		{"KeysAreSeparate", testKeysAreSeparate},
		{"ConcurrentSaves", testConcurrentSaves},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore(t)) })
	}
}

// Session returns a session of key with some of everything, as saved by
// the engine before its first save (Version 0).
func Session(key string) *bot.Session {
	started := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	return &bot.Session{
		Format:  bot.SessionFormat,
		Key:     key,
		Lang:    "pl",
		Step:    "dla_kogo",
		Vars:    bot.Vars{"temat": "opieka nad seniorem", "dla_kogo": "mama", "gmina": "Łódź"},
		Misses:  1,
		Offered: []string{"usl-opieka-domowa", "usl-dps"},
		Started: started,
		Updated: started.Add(2 * time.Minute),
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustLoad(t *testing.T, st bot.SessionStore, key, eventID string) (*bot.Session, bool) {
	t.Helper()
	s, seen, err := st.Load(ctx(t), key, eventID)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", key, eventID, err)
	}
	return s, seen
}

func mustSave(t *testing.T, st bot.SessionStore, s *bot.Session, eventID string) {
	t.Helper()
	if err := st.Save(ctx(t), s, eventID); err != nil {
		t.Fatalf("Save(%q version %d, %q): %v", s.Key, s.Version, eventID, err)
	}
}

func testLoadAbsent(t *testing.T, st bot.SessionStore) {
	for _, eventID := range []string{"", "1001"} {
		s, seen := mustLoad(t, st, "telegram:404", eventID)
		if s != nil || seen {
			t.Errorf("Load of an absent session with event %q = %+v, seen %v; want nil, false", eventID, s, seen)
		}
	}
}

func testRoundTrip(t *testing.T, st bot.SessionStore) {
	s := Session("telegram:100")
	s.Case = "c-7f3a"
	mustSave(t, st, s, "1")
	if s.Version != 1 || s.Format != bot.SessionFormat {
		t.Errorf("after first save: version %d, format %d; want 1, %d", s.Version, s.Format, bot.SessionFormat)
	}
	got, _ := mustLoad(t, st, "telegram:100", "2")
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("loaded session differs from saved (-saved +loaded):\n%s", diff)
	}
	// The loaded session is the caller's: changing it changes nothing stored.
	got.Vars["temat"] = "zmienione"
	again, _ := mustLoad(t, st, "telegram:100", "")
	if again.Vars["temat"] != "opieka nad seniorem" {
		t.Errorf("stored session changed through a loaded copy: %q", again.Vars["temat"])
	}
	// A second save moves the version on, and clearing fields sticks.
	got.Case, got.Vars, got.Offered = "", nil, nil
	mustSave(t, st, got, "2")
	third, _ := mustLoad(t, st, "telegram:100", "")
	if third.Version != 2 || third.Case != "" || len(third.Vars) != 0 || len(third.Offered) != 0 {
		t.Errorf("after second save: %+v; want version 2 and cleared case, vars, offered", third)
	}
}

func testConflict(t *testing.T, st bot.SessionStore) {
	first := Session("telegram:200")
	stale := Session("telegram:200")
	mustSave(t, st, first, "a")
	stale.Step = "inny"
	if err := st.Save(ctx(t), stale, "b"); !errors.Is(err, bot.ErrConflict) {
		t.Fatalf("save of a stale session (version 0 over 1): err %v; want ErrConflict", err)
	}
	if stale.Version != 0 {
		t.Errorf("a failed save changed the caller's version to %d", stale.Version)
	}
	got, seen := mustLoad(t, st, "telegram:200", "b")
	if got.Step != "dla_kogo" || got.Version != 1 {
		t.Errorf("after a conflict the store holds step %q version %d; want the first save", got.Step, got.Version)
	}
	if seen {
		t.Error("the event of a failed save is recorded as applied")
	}
	ahead := Session("telegram:201")
	ahead.Version = 5
	if err := st.Save(ctx(t), ahead, ""); !errors.Is(err, bot.ErrConflict) {
		t.Errorf("save of version 5 where nothing is stored: err %v; want ErrConflict", err)
	}
	// Reloading and applying again succeeds.
	got.Step = "inny"
	mustSave(t, st, got, "b")
	if got.Version != 2 {
		t.Errorf("version after reload and save = %d; want 2", got.Version)
	}
}

// testAppliedMeanwhile: two replicas load the same delivery before either
// saves; the one that saves second must get ErrConflict even if the version
// it holds were current, because the event is already applied.
func testAppliedMeanwhile(t *testing.T, st bot.SessionStore) {
	mustSave(t, st, Session("telegram:400"), "")
	first, seen := mustLoad(t, st, "telegram:400", "u-9")
	if seen {
		t.Fatal("u-9 seen before it was applied")
	}
	mustSave(t, st, first, "u-9")
	// A second copy of u-9 that somehow holds the current version.
	second, _ := mustLoad(t, st, "telegram:400", "")
	if err := st.Save(ctx(t), second, "u-9"); !errors.Is(err, bot.ErrConflict) {
		t.Fatalf("saving an already applied event: err = %v, want ErrConflict", err)
	}
}

func testSeenEvents(t *testing.T, st bot.SessionStore) {
	s := Session("telegram:300")
	mustSave(t, st, s, "u-1")
	mustSave(t, st, s, "u-2")
	mustSave(t, st, s, "") // a channel that cannot redeliver
	for _, tc := range []struct {
		key, eventID string
		want         bool
	}{
		{"telegram:300", "u-1", true},
		{"telegram:300", "u-2", true},
		{"telegram:300", "u-3", false},
		{"telegram:300", "", false},
		{"telegram:301", "u-1", false}, // ids are per conversation
	} {
		_, seen := mustLoad(t, st, tc.key, tc.eventID)
		if seen != tc.want {
			t.Errorf("Load(%q, %q) seen = %v; want %v", tc.key, tc.eventID, seen, tc.want)
		}
	}
}

func testErase(t *testing.T, st bot.SessionStore) {
	s := Session("telegram:400")
	mustSave(t, st, s, "e-1")
	other := Session("telegram:4000")
	mustSave(t, st, other, "e-1")
	if err := st.Erase(ctx(t), "telegram:400"); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	if got, seen := mustLoad(t, st, "telegram:400", "e-1"); got != nil || seen {
		t.Errorf("after Erase: session %+v, seen %v; want nothing", got, seen)
	}
	if got, seen := mustLoad(t, st, "telegram:4000", "e-1"); got == nil || !seen {
		t.Errorf("Erase of telegram:400 touched telegram:4000: session %v, seen %v", got != nil, seen)
	}
	if err := st.Erase(ctx(t), "telegram:400"); err != nil {
		t.Errorf("Erase of an erased conversation: %v", err)
	}
	// The conversation can start again from scratch.
	mustSave(t, st, Session("telegram:400"), "e-2")
}

func testKeysAreSeparate(t *testing.T, st bot.SessionStore) {
	// Keys that differ only in characters with a meaning to Redis (hash tag
	// braces, glob patterns) or in a suffix must not meet.
	keys := []string{"web:a", "web:a}", "web:{a}", "web:a*", "web:a?", "web:[a]", `web:a\`, "web:a b", "web:ą", "web:a:1"}
	for i, k := range keys {
		s := Session(k)
		s.Step = "step-" + strconv.Itoa(i)
		mustSave(t, st, s, "ev")
	}
	if err := st.Erase(ctx(t), "web:a"); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	for i, k := range keys {
		got, seen := mustLoad(t, st, k, "ev")
		if i == 0 {
			if got != nil || seen {
				t.Errorf("%q survived its erasure", k)
			}
			continue
		}
		if got == nil || got.Step != "step-"+strconv.Itoa(i) || !seen {
			t.Errorf("Load(%q) after erasing web:a = %+v, seen %v; want its own step-%d, seen", k, got, seen, i)
		}
	}
}

// testConcurrentSaves increments a counter from several goroutines, each
// reloading on conflict as the engine does: no increment may be lost.
func testConcurrentSaves(t *testing.T, st bot.SessionStore) {
	const workers, increments = 8, 25
	key := "telegram:500"
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range increments {
				if err := increment(st, key, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _ := mustLoad(t, st, key, "")
	want := strconv.Itoa(workers * increments)
	if got.Vars["n"] != want || got.Version != workers*increments {
		t.Errorf("after %d concurrent increments: n = %q, version %d; want %s, %s", workers*increments, got.Vars["n"], got.Version, want, want)
	}
}

// increment adds one to the session's counter "n", applying event id once.
func increment(st bot.SessionStore, key, eventID string) error {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		if c.Err() != nil {
			return fmt.Errorf("increment %s: gave up after %d attempts", eventID, attempt)
		}
		s, seen, err := st.Load(c, key, eventID)
		if err != nil {
			return fmt.Errorf("increment %s: %w", eventID, err)
		}
		if seen {
			return fmt.Errorf("increment %s: reported as applied before it was", eventID)
		}
		if s == nil {
			s = &bot.Session{Format: bot.SessionFormat, Key: key}
		}
		n, _ := strconv.Atoi(s.Vars["n"])
		if s.Vars == nil {
			s.Vars = bot.Vars{}
		}
		s.Vars["n"] = strconv.Itoa(n + 1)
		err = st.Save(c, s, eventID)
		if errors.Is(err, bot.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("increment %s: %w", eventID, err)
		}
		return nil
	}
}
