package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"okienko/bot"
)

// TestMemoryMailboxSweeps: conversations whose entries all expired are
// dropped even when nothing is posted to them again (the next post or
// watch of another conversation sweeps, at most once a minute), while a
// watched one stays.
func TestMemoryMailboxSweeps(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m := NewMemoryMailbox(MemoryMailboxConfig{Retention: time.Hour, Clock: func() time.Time { return now }})
	ctx := context.Background()
	for i := range 100 {
		if _, err := m.Post(ctx, fmt.Sprint("web:old", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	boxes := func() int {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.boxes)
	}
	if n := boxes(); n != 100 {
		t.Fatalf("%d boxes after 100 conversations, want 100", n)
	}
	now = now.Add(30 * time.Minute)
	if _, err := m.Post(ctx, "web:recent", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if n := boxes(); n != 101 {
		t.Fatalf("%d boxes within retention, want 101", n)
	}
	now = now.Add(31 * time.Minute)
	if _, err := m.Post(ctx, "web:new", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if n := boxes(); n != 2 {
		t.Errorf("%d boxes after the old ones expired, want 2 (recent and new)", n)
	}
}

// TestAnswerMemoryBounds: answers are kept at most ttl and at most max of
// them, the oldest going first; an erased conversation's answers go, but
// for the erasure's own.
func TestAnswerMemoryBounds(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m := newAnswerMemory(func() time.Time { return now }, 5*time.Minute, 3)
	ctx := context.Background()
	keep := func(chat, event, text string) {
		t.Helper()
		_, kept, r := m.begin(ctx, chat, event)
		if kept {
			t.Fatalf("%s/%s already kept", chat, event)
		}
		m.finish(r, outbound{Replies: []bot.Reply{{Text: text}}})
	}
	kept := func(chat, event string) string {
		t.Helper()
		m.mu.Lock()
		defer m.mu.Unlock()
		m.expire(now)
		if e := m.entries[answerKey{chat, event}]; e != nil {
			return e.out.Replies[0].Text
		}
		return ""
	}
	keep("a", "1", "a1")
	keep("a", "2", "a2")
	keep("b", "1", "b1")
	keep("b", "2", "b2") // over max: a/1 goes
	if got := kept("a", "1"); got != "" || m.len() != 3 {
		t.Errorf("the oldest answer over the bound: %q, %d kept", got, m.len())
	}
	if got := kept("b", "1"); got != "b1" {
		t.Errorf("b/1: %q", got)
	}
	m.forget("b", "2")
	if kept("b", "1") != "" || kept("b", "2") != "b2" || kept("a", "2") != "a2" {
		t.Error("forget took the wrong answers")
	}
	now = now.Add(5*time.Minute + time.Second)
	if got := kept("a", "2"); got != "" || m.len() != 0 {
		t.Errorf("after the ttl: %q, %d kept", got, m.len())
	}
	for i := range 1000 {
		keep("c", fmt.Sprint(i), "c")
		if i%2 == 0 {
			m.forget("c", "")
		}
	}
	if n := m.len(); n > 3 {
		t.Errorf("%d answers kept, want at most 3", n)
	}
	if n := len(m.order); n > 6 {
		t.Errorf("the order holds %d names, want at most twice the bound", n)
	}
}

// BenchmarkAnswerMemory: what keeping an answer for retries adds to a
// message, with the memory full (each message evicts the oldest).
//
//	go test ./bot/web -run XXX -bench AnswerMemory
func BenchmarkAnswerMemory(b *testing.B) {
	m := newAnswerMemory(time.Now, answerTTL, answerCap)
	ctx := context.Background()
	out := outbound{Replies: []bot.Reply{{Text: "Dla kogo szukasz pomocy?"}}}
	ids := make([]string, 2*answerCap)
	for i := range ids {
		ids[i] = fmt.Sprintf("msg-%012d", i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, kept, r := m.begin(ctx, "0123456789abcdef0123456789abcdef", ids[i%len(ids)])
		if !kept {
			m.finish(r, out)
		}
	}
}
