package main

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// scaleResidents is how many residents TestServeThreeReplicas drives:
// OKIENKO_SCALE_RESIDENTS, else 1,000 (200 with -short). While the config
// file cannot lift Telegram's pacing (fastPacing), it bounds the run —
// each replica sends at most 30 messages a second and one a second per
// chat, so 1,000 residents need well over a minute whatever the machine —
// and the default is 200 (60 with -short).
func scaleResidents(t *testing.T) int {
	if v := os.Getenv("OKIENKO_SCALE_RESIDENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("OKIENKO_SCALE_RESIDENTS=%q: want a positive number", v)
		}
		return n
	}
	switch {
	case fastPacing() && testing.Short():
		return 200
	case fastPacing():
		return 1000
	case testing.Short():
		return 60
	}
	return 200
}

// TestServeThreeReplicas: three replicas in webhook mode behind a
// round-robin proxy share one redis-server, the Telegram Bot API and
// Slack. Residents talk at the same time — buttons, free text with
// searches, Ukrainian and English, a share asking for a person or in
// crisis — each chat's updates in order (the next one after the 200, as
// Telegram does, and after the replies to the previous one: for typing
// ahead see TestServeRepliesInOrderWhenTypingAhead), and a tenth of the
// updates delivered twice to different replicas (after the first answer,
// or at the same moment). Every resident must receive exactly what one
// in-process engine with an in-memory store says, once and in order, and
// every case must reach Slack exactly once.
func TestServeThreeReplicas(t *testing.T) {
	t.Parallel()
	n := scaleResidents(t)
	c := startCluster(t, clusterConfig{replicas: 3, fastTelegram: true})
	o := newOracle(t, c.dialogs)
	residents := makeResidents(n, 100_000)
	wantMessages, wantCases := 0, 0
	for _, r := range residents {
		o.expect(t, r)
		for _, w := range r.want {
			wantMessages += len(w)
		}
		wantCases += r.cases
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var st driveStats
	start := time.Now()
	errs := c.converseAll(ctx, o, residents, min(n, 200), drive{redeliver: 0.1, timeout: 2 * time.Minute}, 7, &st)
	wall := time.Since(start)
	failed(t, errs)
	told := c.checkTranscripts(t, o, residents, false)
	behind := c.checkCards(t, residents, told, 2*time.Minute)
	c.checkLogsClean(residents)
	if st.redelivered.Load() == 0 {
		t.Error("no update was delivered twice: the test proves nothing about redelivery")
	}
	t.Logf("%d residents, %d updates (%d delivered twice: %d webhook requests), %d replies and %d cases through 3 replicas in %v: %.0f replies/s, %.0f updates/s; Slack caught up %v later",
		n, st.updates.Load(), st.redelivered.Load(), st.deliveries.Load(), wantMessages, wantCases, wall.Round(time.Millisecond),
		float64(wantMessages)/wall.Seconds(), float64(st.updates.Load())/wall.Seconds(), behind.Round(10*time.Millisecond))
}

// TestServeRepliesInOrderWhenTypingAhead: residents type their next
// message before the replies to the previous one arrived (Telegram posts
// it as soon as the replica answered the previous update with 200, often
// to another replica). The replies must still reach each chat in the order
// of the messages: each replica queues a chat's replies in its own outbox,
// paced at one message a second per chat, so a replica answers Telegram
// only once the update's replies are sent.
func TestServeRepliesInOrderWhenTypingAhead(t *testing.T) {
	t.Parallel()
	c := startCluster(t, clusterConfig{replicas: 3})
	o := newOracle(t, c.dialogs)
	residents := makeResidents(3*len(scenarios), 600_000)
	for _, r := range residents {
		o.expect(t, r)
	}
	var st driveStats
	failed(t, c.converseAll(context.Background(), o, residents, len(residents), drive{typeAhead: 1, timeout: time.Minute}, 29, &st))
	told := c.checkTranscripts(t, o, residents, false)
	c.checkCards(t, residents, told, time.Minute)
}
