package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot/web"
)

// watching runs Watch until the test ends and passes on what it delivers.
func watching(t *testing.T, mb web.Mailbox, chat, after string) chan [2]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan [2]string, 100)
	done := make(chan error, 1)
	go func() {
		done <- mb.Watch(ctx, chat, after, func(id string, data []byte) error {
			got <- [2]string{id, string(data)}
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	return got
}

func expectLetter(t *testing.T, got chan [2]string, want string) string {
	t.Helper()
	select {
	case l := <-got:
		if l[1] != want {
			t.Fatalf("delivered %q, want %q", l[1], want)
		}
		return l[0]
	case <-time.After(10 * time.Second):
		t.Fatalf("%q not delivered within 10 s", want)
	}
	return ""
}

func postLetter(t *testing.T, mb web.Mailbox, chat, data string) string {
	t.Helper()
	id, err := mb.Post(context.Background(), chat, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMemoryMailbox(t *testing.T) {
	var now atomic.Int64 // the clock is read by watching goroutines
	now.Store(testTime.UnixNano())
	advance := func(d time.Duration) { now.Add(int64(d)) }
	mb := web.NewMemoryMailbox(web.MemoryMailboxConfig{Retention: time.Hour, MaxLen: 3, Clock: func() time.Time { return time.Unix(0, now.Load()) }})
	const chat = "web:aa"

	// Posted before anyone watches: delivered when a page opens.
	first := postLetter(t, mb, chat, "1")
	postLetter(t, mb, chat, "2")
	postLetter(t, mb, "web:bb", "other")
	a := watching(t, mb, chat, "")
	expectLetter(t, a, "1")
	expectLetter(t, a, "2")
	b := watching(t, mb, chat, first)
	expectLetter(t, b, "2")

	// Posted while two pages watch: both get it.
	postLetter(t, mb, chat, "3")
	expectLetter(t, a, "3")
	expectLetter(t, b, "3")

	// At most MaxLen kept; older than Retention dropped.
	for i := 4; i <= 6; i++ {
		postLetter(t, mb, chat, fmt.Sprint(i))
	}
	expectLetter(t, watching(t, mb, chat, "junk"), "4")
	advance(59 * time.Minute)
	postLetter(t, mb, chat, "7")
	advance(2 * time.Minute)
	expectLetter(t, watching(t, mb, chat, ""), "7")

	// Forget: nothing of the chat is delivered afterwards but what comes.
	if err := mb.Forget(context.Background(), chat); err != nil {
		t.Fatal(err)
	}
	c := watching(t, mb, chat, "")
	postLetter(t, mb, chat, "8")
	expectLetter(t, c, "8")
}

// TestMemoryMailboxAfterRestart: a page that resumes after an id of the
// process before a restart (a new mailbox) gets what the new one keeps,
// from the start, though the new one's sequence starts again; ids of one
// mailbox name their entries.
func TestMemoryMailboxAfterRestart(t *testing.T) {
	const chat = "web:aa"
	before := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	var last string
	for i := range 5 {
		last = postLetter(t, before, chat, fmt.Sprint("old ", i))
	}
	after := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	first := postLetter(t, after, chat, "new 1")
	if first == last || strings.HasPrefix(first, strings.Split(last, "-")[0]+"-") {
		t.Fatalf("ids %q before and %q after a restart share their epoch", last, first)
	}
	got := watching(t, after, chat, last)
	expectLetter(t, got, "new 1")
	postLetter(t, after, chat, "new 2")
	expectLetter(t, got, "new 2")
	expectLetter(t, watching(t, after, chat, first), "new 2")
}
