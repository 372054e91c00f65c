package telegramtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
)

// DeliverTo posts update id to target — a load balancer in front of the
// bot's replicas, or one replica directly — with the secret token the bot
// set with setWebhook, as Telegram does; the webhook URL itself is the
// bot's public https:// address, which a test cannot reach. It returns the
// HTTP response's status and headers. client nil means
// http.DefaultClient.
func (s *Server) DeliverTo(ctx context.Context, client *http.Client, target string, id int) (int, http.Header, error) {
	s.mu.Lock()
	raw, secret := s.delivered[id], s.webhookSecret
	s.mu.Unlock()
	if raw == nil {
		return 0, nil, fmt.Errorf("telegramtest: no update %d", id)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var sink bytes.Buffer
	_, _ = sink.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, nil
}

// Sent returns every message the bot sent to a chat with sendMessage, in
// the order Telegram accepted them and as they were sent (Messages shows
// them after later edits).
func (s *Server) Sent(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent[chatID])
}

// SentTo returns Sent for every chat that got a message, by chat id.
func (s *Server) SentTo() map[int64][]Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64][]Message, len(s.sent))
	for id, ms := range s.sent {
		out[id] = slices.Clone(ms)
	}
	return out
}

// recordSent keeps a copy of an accepted message; s.mu is held.
func (s *Server) recordSent(m Message) {
	if s.sent == nil {
		s.sent = map[int64][]Message{}
	}
	if m.Keyboard != nil {
		kb := Keyboard{InlineKeyboard: make([][]Button, len(m.Keyboard.InlineKeyboard))}
		for i, row := range m.Keyboard.InlineKeyboard {
			kb.InlineKeyboard[i] = slices.Clone(row)
		}
		m.Keyboard = &kb
	}
	s.sent[m.ChatID] = append(s.sent[m.ChatID], m)
}

// Count counts the messages the bot sent to a chat, cheaply (for waiting).
func (s *Server) Count(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.messages[chatID])
}
