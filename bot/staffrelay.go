package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Sender delivers a reply to a resident on one channel (Telegram, the web
// chat). The engine answers residents' messages in Handle's return value;
// what staff cause reaches residents through a Sender.
type Sender interface {
	Send(chatID string, r Reply) error
}

// StaffRelay is the one path of staff actions to residents: it applies a
// staff event to the resident's conversation (Engine.Staff) and sends what
// comes of it on the conversation's channel, found by the channel part of
// the case's conversation key. The staff tool's adapter calls Staff
// (bot/slack's StaffHandler); cmd wires it, and tests use the same one.
//
// Words for the resident are delivered at least once: a StaffMessage is
// not recorded as applied in the session, so that when sending fails and
// the staff tool retries, the retry reaches the resident. Deduplication of
// a staff message is the adapter's (by the message's own id, kept in the
// shared store), not the event id's.
//
// The engine and the senders may be attached after the relay was handed
// to the adapter (the engine needs the adapter's desk first); until then
// Staff fails and the adapter retries.
type StaffRelay struct {
	mu      sync.RWMutex
	engine  *Engine
	senders map[string]Sender
}

// Attach sets the engine staff events are applied to.
func (r *StaffRelay) Attach(e *Engine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.engine = e
}

// Route sends the replies of conversations of channel (Message.Channel)
// through s.
func (r *StaffRelay) Route(channel string, s Sender) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.senders == nil {
		r.senders = map[string]Sender{}
	}
	r.senders[channel] = s
}

// Staff applies ev and delivers the resident's replies. An error means the
// resident may not have been reached.
func (r *StaffRelay) Staff(ctx context.Context, ev StaffEvent) error {
	r.mu.RLock()
	eng := r.engine
	channel, chatID, ok := strings.Cut(ev.Case.Key, ":")
	sender := r.senders[channel]
	r.mu.RUnlock()
	if eng == nil {
		return errors.New("staff event: the engine is not running yet")
	}
	if !ok {
		return errors.New("staff event: bad conversation key")
	}
	if sender == nil {
		return fmt.Errorf("staff event: no channel %q to reach the resident", channel)
	}
	if ev.Kind == StaffMessage {
		ev.EventID = "" // at least once: see the type's doc
	}
	events, err := eng.Staff(ctx, ev)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Kind != EventReply || e.Reply == nil {
			continue
		}
		if err := sender.Send(chatID, *e.Reply); err != nil {
			return fmt.Errorf("staff event: deliver to the resident: %w", err)
		}
	}
	return nil
}

// fileSender is a Sender that can also fetch the files residents sent on
// its channel (Telegram's getFile).
type fileSender interface {
	FetchFile(ctx context.Context, fileID string) (io.ReadCloser, error)
}

// FetchFile fetches a file the resident of the conversation key sent, from
// that conversation's channel, for the staff tool to show. The caller
// closes the body.
func (r *StaffRelay) FetchFile(ctx context.Context, key, fileID string) (io.ReadCloser, error) {
	channel, _, _ := strings.Cut(key, ":")
	r.mu.RLock()
	sender := r.senders[channel]
	r.mu.RUnlock()
	f, ok := sender.(fileSender)
	if !ok {
		return nil, fmt.Errorf("fetch file: channel %q cannot fetch files", channel)
	}
	return f.FetchFile(ctx, fileID)
}

// OpenAt tells whether staff are at work at t (Engine.OpenAt); false until
// an engine is attached.
func (r *StaffRelay) OpenAt(t time.Time) bool {
	r.mu.RLock()
	eng := r.engine
	r.mu.RUnlock()
	return eng != nil && eng.OpenAt(t)
}
