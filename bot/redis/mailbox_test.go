package redis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"okienko/bot/storetest"
)

func TestMailboxOnBackends(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, cfg Config)
	}{
		{"PostedBeforeWatchIsDelivered", testMailboxPostedBeforeWatch},
		{"TwoReplicas", testMailboxTwoReplicas},
		{"Paging", testMailboxPaging},
		{"CapAndRetention", testMailboxCapAndRetention},
		{"EraseLeavesNothing", testMailboxErase},
		{"UnreadableValues", testMailboxUnreadable},
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

// letter is one delivered mailbox entry.
type letter struct{ id, data string }

// watcher runs Watch until the test ends and passes on what it delivers.
type watcher struct {
	got  chan letter
	done chan error
}

func watch(t *testing.T, mb *Mailbox, chat, after string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{got: make(chan letter, 1000), done: make(chan error, 1)}
	go func() {
		w.done <- mb.Watch(ctx, chat, after, func(id string, data []byte) error {
			w.got <- letter{id, string(data)}
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-w.done; err != nil {
			t.Errorf("Watch ended with %v", err)
		}
	})
	return w
}

// next waits for the next delivered entry.
func (w *watcher) next(t *testing.T) letter {
	t.Helper()
	select {
	case l := <-w.got:
		return l
	case err := <-w.done:
		t.Fatalf("Watch ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no entry delivered within 10 s")
	}
	return letter{}
}

// none checks that nothing more was delivered by the time a later entry
// arrives: it posts a marker and expects exactly that next.
func (w *watcher) nextIs(t *testing.T, want string) letter {
	t.Helper()
	l := w.next(t)
	if l.data != want {
		t.Fatalf("delivered %q, want %q", l.data, want)
	}
	return l
}

func post(t *testing.T, mb *Mailbox, chat, data string) string {
	t.Helper()
	id, err := mb.Post(testContext(t), chat, []byte(data))
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	return id
}

// testMailboxPostedBeforeWatch: replies posted while no page was open are
// delivered when one opens, from the start or after the last id it saw.
func testMailboxPostedBeforeWatch(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	mb := NewMailbox(st, MailboxConfig{Poll: time.Hour})
	t.Cleanup(func() { _ = mb.Close() })
	const chat = "web:0a1b"
	first := post(t, mb, chat, `{"text":"pierwsza"}`)
	post(t, mb, chat, `{"text":"druga"}`)
	post(t, mb, "web:other", `{"text":"cudza"}`)

	all := watch(t, mb, chat, "")
	all.nextIs(t, `{"text":"pierwsza"}`)
	all.nextIs(t, `{"text":"druga"}`)
	rest := watch(t, mb, chat, first)
	rest.nextIs(t, `{"text":"druga"}`)
	bad := watch(t, mb, chat, "not-an-id")
	bad.nextIs(t, `{"text":"pierwsza"}`)

	// Later posts reach every open reader (Poll is an hour: the
	// notification must do it), and no reader gets another's entries.
	post(t, mb, chat, `{"text":"trzecia"}`)
	all.nextIs(t, `{"text":"trzecia"}`)
	rest.nextIs(t, `{"text":"trzecia"}`)
	bad.nextIs(t, `{"text":"druga"}`)
	bad.nextIs(t, `{"text":"trzecia"}`)
}

// testMailboxTwoReplicas: a reply posted by one replica reaches pages
// connected to two others.
func testMailboxTwoReplicas(t *testing.T, cfg Config) {
	replicas := make([]*Mailbox, 3)
	for i := range replicas {
		mb := NewMailbox(newStore(t, cfg), MailboxConfig{Poll: time.Hour})
		t.Cleanup(func() { _ = mb.Close() })
		replicas[i] = mb
	}
	const chat = "web:ffee"
	a := watch(t, replicas[0], chat, "")
	b := watch(t, replicas[1], chat, "")
	// The first entry proves both readers are running (read or woken).
	id := post(t, replicas[2], chat, "1")
	if got := a.nextIs(t, "1"); got.id != id {
		t.Errorf("delivered id %q, Post returned %q", got.id, id)
	}
	b.nextIs(t, "1")
	for i := 2; i <= 4; i++ {
		post(t, replicas[2], chat, fmt.Sprint(i))
		a.nextIs(t, fmt.Sprint(i))
		b.nextIs(t, fmt.Sprint(i))
	}
}

// testMailboxPaging: a backlog longer than one read is delivered whole and
// in order.
func testMailboxPaging(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	mb := NewMailbox(st, MailboxConfig{MaxLen: 1000, Poll: time.Hour})
	t.Cleanup(func() { _ = mb.Close() })
	const chat = "web:page"
	const n = 2*mailboxPage + 17
	for i := range n {
		post(t, mb, chat, fmt.Sprint(i))
	}
	w := watch(t, mb, chat, "")
	for i := range n {
		w.nextIs(t, fmt.Sprint(i))
	}
}

// testMailboxCapAndRetention: only the newest MaxLen entries are kept, and
// the mailbox expires Retention after the last post.
func testMailboxCapAndRetention(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	mb := NewMailbox(st, MailboxConfig{MaxLen: 5, Retention: 3 * time.Hour, Poll: time.Hour})
	t.Cleanup(func() { _ = mb.Close() })
	const chat = "web:cap"
	for i := range 12 {
		post(t, mb, chat, fmt.Sprint(i))
	}
	w := watch(t, mb, chat, "")
	for i := 7; i < 12; i++ {
		w.nextIs(t, fmt.Sprint(i))
	}
	ttl, err := st.client.PTTL(testContext(t), st.Key(kindMailbox, chat)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl > 3*time.Hour || ttl < 3*time.Hour-time.Minute {
		t.Errorf("mailbox TTL %v, want about 3h", ttl)
	}
}

// testMailboxErase: erasing the conversation removes its mailbox with the
// rest, and Forget removes the mailbox alone.
func testMailboxErase(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	mb := NewMailbox(st, MailboxConfig{})
	t.Cleanup(func() { _ = mb.Close() })
	ctx := testContext(t)
	const id = "5e1d0c0ffee5e1d0"
	chat, other := "web:"+id, "web:0ther"
	for _, c := range []string{chat, other} {
		if err := st.Save(ctx, storetest.Session(c), "ev-1"); err != nil {
			t.Fatal(err)
		}
		post(t, mb, c, `{"text":"Anna: zadzwonię jutro"}`)
	}
	if err := st.Erase(ctx, chat); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	for _, k := range allKeys(t, st) {
		if strings.Contains(k, id) {
			t.Errorf("after erasure a key still names the chat: %s", k)
		}
	}
	n, err := st.client.Exists(ctx, st.Key(kindMailbox, other)).Result()
	if err != nil || n != 1 {
		t.Errorf("the other chat's mailbox: exists %d, %v; want it kept", n, err)
	}
	if err := mb.Forget(ctx, other); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.client.Exists(ctx, st.Key(kindMailbox, other)).Result(); n != 0 {
		t.Error("Forget left the mailbox")
	}
	if n, _ := st.client.Exists(ctx, st.Key(kindSession, other)).Result(); n != 1 {
		t.Error("Forget removed the session too")
	}
}

// testMailboxUnreadable: another type of key under the mailbox's name is
// ignored, not an error that would close every page of the chat.
func testMailboxUnreadable(t *testing.T, cfg Config) {
	st := newStore(t, cfg)
	mb := NewMailbox(st, MailboxConfig{Poll: 50 * time.Millisecond})
	t.Cleanup(func() { _ = mb.Close() })
	ctx := testContext(t)
	const chat = "web:odd"
	if err := st.client.Set(ctx, st.Key(kindMailbox, chat), "x", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	w := watch(t, mb, chat, "")
	select {
	case l := <-w.got:
		t.Fatalf("delivered %q from a string key", l.data)
	case err := <-w.done:
		t.Fatalf("Watch ended: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := mb.Post(ctx, chat, []byte("x")); err == nil {
		t.Error("Post onto a string key succeeded")
	}
}
