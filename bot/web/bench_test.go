package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
	"okienko/bot/web"
)

// BenchmarkMessage compares a resident message handled by the engine
// directly with the same message posted to the chat: in process
// (httptest.Recorder: session, CSRF, rate limit, JSON both ways) and over
// loopback HTTP (the whole stack). Two messages: "/pomoc" (the help text
// and the topic buttons: the cheapest turn, where the channel's share is
// largest) and a description that is searched in the catalogue (before
// each, an untimed "/pomoc" brings the conversation back to the topic
// question). "ratio" is the chat's time over the engine's, in the same
// run; "ns/msg" the chat's time alone.
//
//	go test ./bot/web -run XXX -bench Message
func BenchmarkMessage(b *testing.B) {
	h := newHarness(b, func(c *web.Config) { c.RatePerMinute, c.RateBurst = 1e9, 1e9 })
	me := h.open("pl")
	me.start()
	chatID := h.rec.lastChatID(b)
	ctx := context.Background()
	n := 0
	engine := func(text string) {
		n++
		msg := bot.Message{Channel: web.Channel, ChatID: chatID, EventID: fmt.Sprintf("bench-e-%09d", n), Text: text}
		if _, err := h.eng.Handle(ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
	post := func(text string, do func(*http.Request) int) {
		n++
		body, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("bench-h-%09d", n), "text": text})
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/chat/messages", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", h.srv.URL)
		req.Header.Set("X-Okienko-Csrf", me.csrf)
		req.AddCookie(me.cookie())
		if status := do(req); status != http.StatusOK {
			b.Fatalf("status %d", status)
		}
	}
	inProcess := func(text string) {
		post(text, func(req *http.Request) int {
			rec := httptest.NewRecorder()
			h.chat.ServeHTTP(rec, req)
			return rec.Code
		})
	}
	client := &http.Client{}
	overHTTP := func(text string) {
		post(text, func(req *http.Request) int {
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out json.RawMessage
			_ = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			return res.StatusCode
		})
	}
	for _, msg := range []struct{ name, text, before string }{
		{"help", "/pomoc", ""},
		{"search", "Nie mam pieniędzy na jedzenie", "/pomoc"},
	} {
		for _, path := range []struct {
			name string
			run  func(string)
		}{{"handler", inProcess}, {"http", overHTTP}} {
			b.Run(msg.name+"/"+path.name, func(b *testing.B) {
				b.ReportAllocs()
				var engineTime, ownTime time.Duration
				for b.Loop() {
					if msg.before != "" {
						engine(msg.before)
					}
					start := time.Now()
					engine(msg.text)
					engineTime += time.Since(start)
					if msg.before != "" {
						engine(msg.before)
					}
					start = time.Now()
					path.run(msg.text)
					ownTime += time.Since(start)
				}
				b.ReportMetric(float64(engineTime.Nanoseconds())/float64(b.N), "engine-ns/msg")
				b.ReportMetric(float64(ownTime.Nanoseconds())/float64(b.N), "chat-ns/msg")
				b.ReportMetric(float64(ownTime)/float64(engineTime), "ratio")
			})
		}
	}
}

// BenchmarkSendToPage measures how long a staff reply takes from Send to
// the page's event stream, over loopback HTTP: with the in-memory mailbox
// (one process), and with the Redis mailbox where Send and the stream are
// on two replicas (Redis Streams + Pub/Sub).
//
//	go test ./bot/web -run XXX -bench SendToPage
func BenchmarkSendToPage(b *testing.B) {
	run := func(b *testing.B, sender *web.Chat, h *harness) {
		me := h.open("pl")
		me.start()
		chatID := h.rec.lastChatID(b)
		s := me.listen("", "")
		reply := bot.Reply{Text: "Anna: Dzień dobry, zadzwonię jutro o 9:00.", Lang: "pl"}
		b.ReportAllocs()
		for b.Loop() {
			if err := sender.Send(chatID, reply); err != nil {
				b.Fatal(err)
			}
			s.nextText(b)
		}
	}
	b.Run("memory", func(b *testing.B) {
		h := newHarness(b, nil)
		run(b, h.chat, h)
	})
	b.Run("redis-two-replicas", func(b *testing.B) {
		srv := redistest.Start(b)
		mailbox := func() *redis.Mailbox {
			st, err := redis.New(context.Background(), redis.Config{URL: srv.URL(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			mb := redis.NewMailbox(st, redis.MailboxConfig{})
			b.Cleanup(func() { _ = mb.Close() })
			return mb
		}
		h := newHarness(b, func(c *web.Config) { c.Mailbox = mailbox() })
		other, err := web.New(web.Config{Secret: []byte("test secret of the web chat, 32+"), Mailbox: mailbox()}, h.eng)
		if err != nil {
			b.Fatal(err)
		}
		run(b, other, h)
	})
}
