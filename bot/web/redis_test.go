package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
	"okienko/bot/web"
)

// The Redis mailbox is a web chat mailbox.
var _ web.Mailbox = (*redis.Mailbox)(nil)

// TestReplicasShareConversationsAndReplies runs two replicas of the chat
// against one real Redis: a resident's page talks to either (same secret,
// same store), a staff reply sent through one reaches the page listening
// on the other, and erasing the conversation leaves nothing of it in
// Redis, its mailbox included.
func TestReplicasShareConversationsAndReplies(t *testing.T) {
	srv := redistest.Start(t)
	secret := []byte("shared secret of both replicas!!")
	type replica struct {
		chat *web.Chat
		srv  *httptest.Server
		mb   *redis.Mailbox
	}
	logger := slog.New(slog.DiscardHandler)
	var replicas []replica
	for range 2 {
		st, err := redis.New(context.Background(), redis.Config{URL: srv.URL(), Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		mb := redis.NewMailbox(st, redis.MailboxConfig{})
		t.Cleanup(func() { _ = mb.Close() })
		eng := newEngine(t, st, nil, logger)
		chat, err := web.New(web.Config{Secret: secret, Mailbox: mb, Logger: logger, RatePerMinute: 6000, RateBurst: 1000}, eng)
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(chat)
		t.Cleanup(hs.Close)
		replicas = append(replicas, replica{chat, hs, mb})
	}
	h := &harness{t: t, srv: replicas[0].srv}
	me := h.open("pl")
	me.start()
	me.say("Nie mam pieniędzy na jedzenie")

	// The load balancer sends the next requests to the other replica.
	me.base = replicas[1].srv.URL
	if a := me.press("osoba"); !strings.Contains(a.text(), "Jaki kontakt będzie najwygodniejszy") {
		t.Fatalf("on the other replica the conversation is lost: %q", a.text())
	}
	s := me.listen("", "")

	// The staff bridge runs on replica 0; it knows the chat id from the
	// case key. Find it as Redis names it.
	keys, err := srv.Keys()
	if err != nil {
		t.Fatal(err)
	}
	var chatID string
	for _, k := range keys {
		if i := strings.Index(k, ":sess:{web:"); i >= 0 {
			chatID = strings.TrimSuffix(k[i+len(":sess:{web:"):], "}")
		}
	}
	if len(chatID) != 32 {
		t.Fatalf("no web session among the keys %q", keys)
	}
	if strings.Contains(strings.Join(keys, " "), me.cookie().Value) {
		t.Error("a Redis key shows the session cookie")
	}
	if err := replicas[0].chat.Send(chatID, bot.Reply{Text: "Anna: Dzień dobry, tu Anna.", Lang: "pl"}); err != nil {
		t.Fatal(err)
	}
	if _, text := s.nextText(t); text != "Anna: Dzień dobry, tu Anna." {
		t.Fatalf("the page on the other replica got %q", text)
	}

	// Erasure through the page removes everything, the mailbox too.
	if a := me.post(map[string]any{"command": "erase"}, nil); !a.Erased {
		t.Fatalf("erase: %d %q", a.status, a.text())
	}
	keys, err = srv.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, chatID) {
			t.Errorf("after erasure a key names the chat: %s", k)
		}
	}
}
