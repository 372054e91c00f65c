package telegram

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"okienko/bot"
	"okienko/bot/metrics"
)

// op is one call to Telegram the outbox makes for a chat.
type op struct {
	name string // the API method, for logs
	c    tgbotapi.Chattable
	// message marks a chat message (not a keyboard edit): one the
	// resident would miss, reported to undelivered when it is not sent.
	message bool
	done    chan struct{} // closed once the call is made or given up; may be nil
}

// finished closes the op's done channel, if it has one.
func (x op) finished() {
	if x.done != nil {
		close(x.done)
	}
}

// outbox sends messages to chats within Telegram's limits: in order per
// chat, at most one message per interval to a chat and at most rate
// messages per second overall, waiting out 429's retry_after and retrying
// network failures and the Bot API's 5xx answers (within maxRetries). Nothing is dropped while the process runs: queues grow
// instead. Each chat with queued messages has one goroutine.
type outbox struct {
	send          func(tgbotapi.Chattable) error
	clock         bot.Clock
	perChat       time.Duration // private chats
	perGroup      time.Duration // group chats (negative ids): 20 messages a minute
	pace          pacer
	maxRetries    int
	backoff       time.Duration // the first retry's wait; doubled each time, at most 30 s
	maxRetryAfter time.Duration
	log           *slog.Logger
	metrics       *metrics.Registry                        // nil: nothing counted
	undelivered   func(chatID string, why bot.Undelivered) // nil: nobody told

	ctx    context.Context // cancelled when the outbox gives up waiting
	cancel context.CancelFunc

	mu      sync.Mutex
	queues  map[int64]*queue
	closed  bool
	wg      sync.WaitGroup
	dropped atomic.Int64
	sent    atomic.Int64
}

type queue struct{ ops []op }

func newOutbox(o *outbox) *outbox {
	o.ctx, o.cancel = context.WithCancel(context.Background())
	o.queues = map[int64]*queue{}
	return o
}

// enqueue appends calls to a chat's queue. It reports false when the outbox
// is closed and the calls were dropped. The channel returned is closed
// once the last of the calls is made (or given up): a webhook answers
// Telegram only then, so that the chat's next update, which may reach
// another replica, cannot overtake these replies.
func (o *outbox) enqueue(chatID int64, ops ...op) (<-chan struct{}, bool) {
	done := make(chan struct{})
	if len(ops) == 0 {
		close(done)
		return done, true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		o.drop(len(ops))
		o.log.Error("telegram message dropped: the channel is stopping", "count", len(ops))
		close(done)
		return done, false
	}
	ops[len(ops)-1].done = done
	q := o.queues[chatID]
	if q == nil {
		q = &queue{}
		o.queues[chatID] = q
		o.wg.Add(1)
		go o.run(chatID, q)
	}
	q.ops = append(q.ops, ops...)
	return done, true
}

// run sends a chat's queue in order, one call per interval, and ends when
// the queue has been empty for an interval.
func (o *outbox) run(chatID int64, q *queue) {
	defer o.wg.Done()
	interval := o.perChat
	if chatID < 0 {
		interval = o.perGroup
	}
	for {
		o.mu.Lock()
		if len(q.ops) == 0 {
			delete(o.queues, chatID)
			o.mu.Unlock()
			return
		}
		next := q.ops[0]
		o.mu.Unlock()

		o.deliver(chatID, next)
		next.finished()

		o.mu.Lock()
		q.ops[0] = op{}
		q.ops = q.ops[1:]
		if o.ctx.Err() != nil {
			o.drop(len(q.ops))
			for _, x := range q.ops {
				x.finished()
			}
			q.ops = nil
		}
		o.mu.Unlock()
		// Keep the queue for an interval, so that a message arriving
		// meanwhile still waits its turn.
		sleep(o.ctx, interval)
	}
}

// deliver makes one call, waiting out rate limits and retrying network
// failures. It gives up on calls Telegram refuses (blocked by the
// resident, bad request) and when the outbox is cancelled.
func (o *outbox) deliver(chatID int64, x op) {
	failures := 0
	for {
		if err := o.pace.wait(o.ctx); err != nil {
			o.drop(1)
			return
		}
		err := o.send(x.c)
		if err == nil {
			o.sent.Add(1)
			return
		}
		if o.ctx.Err() != nil {
			o.drop(1)
			return
		}
		var apiErr *tgbotapi.Error
		switch {
		case errors.As(err, &apiErr) && apiErr.RetryAfter > 0:
			wait := time.Duration(apiErr.RetryAfter) * time.Second
			if wait > o.maxRetryAfter {
				wait = o.maxRetryAfter
			}
			o.log.Warn("telegram rate limit: waiting", "method", x.name, "retry_after", apiErr.RetryAfter)
			o.metrics.Inc("okienko_telegram_rate_limited_total", "Telegram calls answered 429 Too Many Requests (waited out and retried).")
			if sleep(o.ctx, wait) != nil {
				o.drop(1)
				return
			}
		case errors.As(err, &apiErr) && apiErr.Code < 500:
			if strings.Contains(apiErr.Message, "message is not modified") {
				return // the keyboard was already marked: nothing to do
			}
			o.drop(1)
			o.log.Warn("telegram refused a message", "chat", logChat(chatID), "method", x.name, "code", apiErr.Code, "description", apiErr.Message)
			o.report(chatID, x, refusal(apiErr))
			return
		default:
			// A network failure or a 5xx of the Bot API (Telegram does
			// not retry a send for us): again, with backoff, within the
			// bound; the chat's later messages wait, so order is kept.
			failures++
			if failures > o.maxRetries {
				o.drop(1)
				o.metrics.Inc("okienko_telegram_gave_up_total", "Telegram calls dropped after their retries of network failures and 5xx answers.")
				o.log.Error("telegram message dropped after retries", "chat", logChat(chatID), "method", x.name, "attempts", failures, "err", err)
				o.report(chatID, x, bot.UndeliveredGaveUp)
				return
			}
			backoff := min(o.backoff<<(failures-1), 30*time.Second)
			o.metrics.Inc("okienko_telegram_retries_total", "Telegram calls retried after a network failure or a 5xx answer.")
			o.log.Warn("telegram send failed: retrying", "chat", logChat(chatID), "method", x.name, "attempt", failures, "backoff", backoff, "err", err)
			if sleep(o.ctx, backoff) != nil {
				o.drop(1)
				return
			}
		}
	}
}

// report tells undelivered that a chat message did not reach its chat.
func (o *outbox) report(chatID int64, x op, why bot.Undelivered) {
	if o.undelivered == nil || !x.message {
		return
	}
	o.undelivered(strconv.FormatInt(chatID, 10), why)
}

// refusal says why Telegram refused a call for good: the chat is out of
// reach (403: blocked by the user, user deactivated, kicked; 400: chat not
// found), or this message was refused.
func refusal(apiErr *tgbotapi.Error) bot.Undelivered {
	if apiErr.Code == 403 || strings.Contains(strings.ToLower(apiErr.Message), "chat not found") {
		return bot.UndeliveredBlocked
	}
	return bot.UndeliveredRefused
}

// drop records calls given up.
func (o *outbox) drop(n int) {
	o.dropped.Add(int64(n))
	o.metrics.Add("okienko_telegram_dropped_total", "Telegram calls given up (refused, failing after retries, or pending at shutdown).", float64(n))
}

// close stops taking messages and waits up to timeout for the queues to be
// sent; what is left then is dropped and counted.
func (o *outbox) close(timeout time.Duration) {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	o.cancel()
	<-done
	if n := o.dropped.Load(); n > 0 {
		o.log.Warn("telegram messages not sent before stopping", "count", n)
	}
}

// pacer spaces calls evenly to stay under a rate per second, in the order
// they asked.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
	clock    bot.Clock
}

// wait blocks until the caller's turn.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := p.clock()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	return sleep(ctx, slot.Sub(now))
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logChat names a Telegram chat in logs as the engine does (bot.LogChat of
// its conversation key).
func logChat(chatID int64) bot.LogChat {
	return bot.LogChat(bot.Message{Channel: Channel, ChatID: strconv.FormatInt(chatID, 10)}.Key())
}
