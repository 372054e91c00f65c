package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"okienko/bot"
	"okienko/bot/slack/slackfake"
)

const testAppToken = "xapp-1-test-app-token-0123456789"

// fakeSocket is Slack's side of a Socket Mode connection: a loopback
// WebSocket that sends the envelopes it is given and records the
// acknowledgements (envelope ids) it gets back.
type fakeSocket struct {
	srv  *httptest.Server
	send chan []byte

	mu    sync.Mutex
	acks  []string
	conns int
}

func newFakeSocket(t *testing.T) *fakeSocket {
	s := &fakeSocket{send: make(chan []byte, 16)}
	// slack-go dials with Origin https://api.slack.com, which is not this
	// server's origin.
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				_, data, err := conn.ReadMessage()
				if err != nil {
					return
				}
				var ack struct {
					EnvelopeID string `json:"envelope_id"`
				}
				if json.Unmarshal(data, &ack) == nil && ack.EnvelopeID != "" {
					s.mu.Lock()
					s.acks = append(s.acks, ack.EnvelopeID)
					s.mu.Unlock()
				}
			}
		}()
		hello, _ := json.Marshal(map[string]any{
			"type": "hello", "num_connections": 1,
			"connection_info": map[string]any{"app_id": "A1"},
			"debug_info":      map[string]any{"host": "fake", "approximate_connection_time": 3600},
		})
		if conn.WriteMessage(websocket.TextMessage, hello) != nil {
			return
		}
		for {
			select {
			case <-done:
				return
			case msg := <-s.send:
				if conn.WriteMessage(websocket.TextMessage, msg) != nil {
					return
				}
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *fakeSocket) url() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=t1"
}

// envelope queues a Socket Mode request.
func (s *fakeSocket) envelope(id, typ string, payload any) {
	b, _ := json.Marshal(map[string]any{
		"envelope_id": id, "type": typ, "payload": payload, "accepts_response_payload": false,
	})
	s.send <- b
}

func (s *fakeSocket) acked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.acks...)
}

// TestSocketMode: over a Socket Mode WebSocket, a claim (interactive) and
// a thread reply for the resident (events_api) reach the engine as over
// HTTP, and every envelope is acknowledged.
func TestSocketMode(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AppToken = testAppToken })
	sock := newFakeSocket(t)
	h.slack.SetSocketURL(sock.url())

	ts := h.openCase(testCase("sm1"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.desk.RunSocketMode(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunSocketMode: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("RunSocketMode did not stop")
		}
	})

	sock.envelope("env-claim", "interactive", map[string]any{
		"type":      "block_actions",
		"user":      map[string]any{"id": "U1", "name": "u1"},
		"channel":   map[string]any{"id": testChannel},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": testChannel},
		"message":   map[string]any{"type": "message", "ts": ts, "blocks": json.RawMessage(h.slack.message(ts).Get("blocks"))},
		"actions": []map[string]any{{
			"action_id": actionClaim, "block_id": blockActions, "type": "button", "value": "sm1",
			"action_ts": "1700000700.000001",
		}},
	})
	// The reply as Slack sends it: escaped.
	reply := h.slack.Say(testChannel, ts, "U1", slackfake.Escape(">> Dzień dobry, tu Anna"))
	sock.envelope("env-reply", "events_api", json.RawMessage(reply.Envelope("EvSock1")))
	h.eventually("claim over the socket", func() bool { return len(h.engine.of(bot.StaffClaimed)) == 1 })
	h.eventually("reply over the socket", func() bool { return len(h.engine.of(bot.StaffMessage)) == 1 })
	if ev := h.engine.of(bot.StaffMessage)[0]; ev.Text != "Dzień dobry, tu Anna" || ev.Case.ID != "sm1" || ev.Name != "Anna" {
		t.Errorf("staff message %+v", ev)
	}
	h.eventually("both envelopes acknowledged", func() bool { return len(sock.acked()) == 2 })
	if got := fmt.Sprint(sock.acked()); got != "[env-claim env-reply]" {
		t.Errorf("acks %s", got)
	}
	if rec, _, _ := h.book.Get(h.ctx, "sm1"); rec.Holder != "U1" {
		t.Errorf("record %+v", rec)
	}

	// A redelivered envelope (same event id) is acknowledged again but
	// processed once.
	sock.envelope("env-reply-2", "events_api", json.RawMessage(reply.Envelope("EvSock1")))
	h.eventually("redelivery acknowledged", func() bool { return len(sock.acked()) == 3 })
	settle()
	if n := len(h.engine.of(bot.StaffMessage)); n != 1 {
		t.Errorf("messages to the resident: %d, want 1", n)
	}
	opens := h.slack.callsOf("apps.connections.open")
	if len(opens) != 1 || opens[0].Token != testAppToken {
		t.Errorf("apps.connections.open calls %v; want one with the app token", len(opens))
	}
	if strings.Contains(h.logs.String(), testAppToken) {
		t.Error("the app token was logged")
	}
}

func TestSocketModeNeedsAppToken(t *testing.T) {
	h := newHarness(t)
	if err := h.desk.RunSocketMode(context.Background()); err == nil {
		t.Error("RunSocketMode without an app token: no error")
	}
}
