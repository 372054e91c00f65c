package bot

import (
	"context"
	"sync"
	"time"
)

// Undelivered says why a message for a resident did not reach them. A
// channel's sender reports it after the fact (Telegram sends from a queue,
// so Sender.Send has already returned), and the engine tells the staff of
// the resident's open case: a member of staff must not believe the
// resident read their reply.
type Undelivered string

// Why a message did not reach the resident.
const (
	// UndeliveredBlocked: the channel refuses the chat for good — the
	// resident blocked the bot, deleted their account, or the chat is gone
	// (Telegram's 403, 400 "chat not found").
	UndeliveredBlocked Undelivered = "blocked"
	// UndeliveredRefused: the channel refused this message (another 4xx).
	UndeliveredRefused Undelivered = "refused"
	// UndeliveredGaveUp: the channel kept failing (network, 5xx) and the
	// sender gave up after its retries.
	UndeliveredGaveUp Undelivered = "gave_up"
)

// undeliveredNotes are the notes staff read in the case thread, in Polish
// (staff's language). They never quote the message.
var undeliveredNotes = map[Undelivered]string{
	UndeliveredBlocked: "⚠️ Wiadomość nie dotarła do mieszkańca: Telegram jej nie przyjął (mieszkaniec zablokował bota albo usunął konto). Kolejne wiadomości też nie dotrą. Proszę spróbować telefonicznie, jeśli jest numer.",
	UndeliveredRefused: "⚠️ Wiadomość nie dotarła do mieszkańca: Telegram jej nie przyjął. Proszę spróbować napisać ją inaczej albo zadzwonić, jeśli jest numer.",
	UndeliveredGaveUp:  "⚠️ Wiadomość nie dotarła do mieszkańca: Telegram był niedostępny i po kilku próbach bot zrezygnował. Proszę wysłać ją ponownie za chwilę albo zadzwonić, jeśli jest numer.",
}

// undeliveredQuiet is how long after a note about a case another of the
// same kind is held back: a burst of replies to a resident who blocked the
// bot makes one note, not one per reply.
const undeliveredQuiet = 10 * time.Minute

// undeliveredNoted remembers, per case and kind, when staff were last told
// (in this process: replicas each send their own chats' queues, so each
// tells at most once per window).
type undeliveredNoted struct {
	mu sync.Mutex
	at map[string]time.Time
}

// first records a note for id at now and reports whether none was made
// within the quiet window; stale entries are forgotten on the way.
func (n *undeliveredNoted) first(id string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.at == nil {
		n.at = map[string]time.Time{}
	}
	for k, t := range n.at {
		if now.Sub(t) >= undeliveredQuiet {
			delete(n.at, k)
		}
	}
	if _, ok := n.at[id]; ok {
		return false
	}
	n.at[id] = now
	return true
}

// forget drops a record whose note could not be queued, so that the next
// failure tries again.
func (n *undeliveredNoted) forget(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.at, id)
}

// Undelivered tells the staff of the conversation's open case (channel and
// chatID as in Message) that a message did not reach the resident, with a
// note in the case's thread: at most one per case and kind in
// undeliveredQuiet. Without an open case, or without a Desk, nothing is
// done. Channels call it from their send queues; it bounds its own work
// with StoreTimeout and DeskRetry and logs failures (never text).
func (e *Engine) Undelivered(channel, chatID string, why Undelivered) {
	text, ok := undeliveredNotes[why]
	if !ok || e.cfg.Desk == nil {
		return
	}
	key := Message{Channel: channel, ChatID: chatID}.Key()
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.StoreTimeout)
	s, _, err := e.cfg.Store.Load(ctx, key, "")
	cancel()
	if err != nil {
		e.logger.Warn("undelivered message: session not loaded; staff not told", "chat", LogChat(key), "why", string(why), "err", err)
		return
	}
	if s == nil || s.Case == "" {
		return
	}
	id := s.Case + "|" + string(why)
	if !e.undelivered.first(id, e.cfg.Clock()) {
		return
	}
	ctx, cancel = context.WithTimeout(context.Background(), e.cfg.DeskRetry)
	defer cancel()
	if err := e.cfg.Desk.Relay(ctx, CaseRef{ID: s.Case, Key: key}, Entry{Kind: EntryNote, Text: text}); err != nil {
		e.undelivered.forget(id)
		e.logger.Error("undelivered message: note for staff not queued", "case", s.Case, "why", string(why), "err", err)
		return
	}
	e.cfg.Metrics.Inc("okienko_undelivered_notes_total", "Notes telling staff in a case thread that a message did not reach the resident.", "why", string(why))
	e.logger.Info("undelivered message: staff told in the case thread", "case", s.Case, "why", string(why))
}
