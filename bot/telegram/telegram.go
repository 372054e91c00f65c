// Package telegram is Okienko's Telegram channel for residents. It receives
// updates by long polling or through a webhook, turns them into bot.Message
// for the conversation engine, and sends the engine's replies back within
// Telegram's limits: split to 4,096 characters, choices as inline buttons,
// about one message a second per chat and thirty overall, 429 waited out.
//
// It is the only package that imports the Telegram SDK
// (github.com/go-telegram-bot-api/telegram-bot-api/v5), and it works around
// the SDK's traps: no context (a client that bounds and cancels calls), the
// token inside error strings (redacted before anything is logged or
// returned), Send failing on methods that return true (Request is used
// throughout), no secret_token on setWebhook (set with MakeRequest), and
// StopReceivingUpdates panicking when called twice (the package polls with
// GetUpdates itself).
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"okienko/bot"
	"okienko/bot/metrics"
)

// Handler is what the channel needs from the conversation engine
// (*bot.Engine): replies for a resident's message. A redelivered EventID
// yields no events; on failure it may return an apology together with an
// error, and the apology is still sent.
type Handler interface {
	Handle(ctx context.Context, m bot.Message) ([]bot.Event, error)
}

// Mode is how updates reach the bot.
type Mode string

// The modes of receiving updates.
const (
	// Polling asks Telegram for updates (getUpdates long polling). One
	// process per bot token; no public address needed.
	Polling Mode = "polling"
	// Webhook lets Telegram post updates to WebhookURL, served by the
	// Bot's http.Handler: for several replicas behind a load balancer.
	Webhook Mode = "webhook"
)

// SecretHeader is the header in which Telegram repeats the webhook's secret
// token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// allowedUpdates are the update kinds the bot asks for.
var allowedUpdates = []string{"message", "edited_message", "callback_query"}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Config configures the channel. Token is required; so are WebhookURL and
// SecretToken in webhook mode.
type Config struct {
	// Token is the bot token from @BotFather. It never appears in logs or
	// errors.
	Token string
	// APIEndpoint is the Bot API URL pattern with %s for the token and the
	// method. Default tgbotapi.APIEndpoint (https://api.telegram.org);
	// tests point it at a fake.
	APIEndpoint string
	// HTTPClient makes the calls. Default: a client with a timeout of
	// PollTimeout plus 15 s. Each call is also bounded by its own deadline.
	HTTPClient *http.Client
	// Mode is Polling (default) or Webhook.
	Mode Mode
	// WebhookURL is the public HTTPS address Telegram posts updates to.
	WebhookURL string
	// SecretToken is set with setWebhook and must come back in the
	// X-Telegram-Bot-Api-Secret-Token header of every webhook request:
	// 1–256 characters A–Z, a–z, 0–9, _ and -.
	SecretToken string
	// MaxBodyBytes bounds a webhook request's body. Default 1 MiB.
	MaxBodyBytes int64
	// MaxConnections is setWebhook's max_connections. Default 40.
	MaxConnections int
	// PollTimeout is the long-polling timeout of getUpdates. Default 30 s.
	PollTimeout time.Duration
	// CallTimeout bounds one call other than getUpdates. Default 15 s.
	CallTimeout time.Duration
	// HandleTimeout bounds the engine's work on one update. Default 10 s.
	HandleTimeout time.Duration
	// WebhookReplyWait bounds how long a webhook request waits for its
	// replies to be sent before answering Telegram. Default 25 s.
	WebhookReplyWait time.Duration
	// PerChatInterval spaces messages to one private chat. Default 1 s.
	PerChatInterval time.Duration
	// PerGroupInterval spaces messages to one group. Default 3 s
	// (Telegram allows 20 a minute).
	PerGroupInterval time.Duration
	// MessagesPerSecond bounds all messages sent. Default 30.
	MessagesPerSecond float64
	// MaxRetries bounds retries of a call that failed on the network or
	// got a 5xx answer from the Bot API (which Telegram never retries
	// itself). Default 5. Waiting out 429 is not counted.
	MaxRetries int
	// RetryBackoff is the wait before the first such retry, doubled for
	// each next one (at most 30 s). Default 1 s: with MaxRetries 5 a call
	// is given up about 31 s after it first failed.
	RetryBackoff time.Duration
	// MaxRetryAfter caps the wait after one 429. Default 5 minutes.
	MaxRetryAfter time.Duration
	// DrainTimeout is how long Run waits for queued replies when it
	// stops. Default 10 s.
	DrainTimeout time.Duration
	// Workers bounds the chats handled at once from one getUpdates batch.
	// Default 16.
	Workers int
	// Commands is the command menu by language_code ("" for all others),
	// set with setMyCommands for private chats. Default DefaultCommands;
	// an empty non-nil map sets none.
	Commands map[string][]Command
	// Clock tells the time for rate limiting. Default time.Now.
	Clock bot.Clock
	// Metrics counts Telegram's rate limits (429) and messages given up;
	// nil counts nothing.
	Metrics *metrics.Registry
	// Undelivered, when set, is told of every chat message (a reply, a
	// notice) that did not reach its chat: refused for good by Telegram
	// (bot.UndeliveredBlocked for 403 — the resident blocked the bot or
	// deleted their account — and 400 "chat not found"; bot.UndeliveredRefused
	// for another 4xx) or given up after MaxRetries (bot.UndeliveredGaveUp).
	// Not for chat actions ("typing…") or keyboard edits. chatID is as in
	// Send. It is called from the chat's send queue, so the chat's next
	// messages wait for it: keep it short (cmd wires Engine.Undelivered,
	// which tells the staff of the resident's open case).
	Undelivered func(chatID string, why bot.Undelivered)
	// Logger gets structured logs: update ids, methods, error codes —
	// never message text, chat ids, phone numbers or the token. Default
	// slog.Default().
	Logger *slog.Logger
}

// Bot is the Telegram channel. Create it with New, then call Run; in webhook
// mode also serve it (it is an http.Handler) at WebhookURL's path.
type Bot struct {
	cfg     Config
	api     *tgbotapi.BotAPI
	client  *apiClient
	handler Handler
	out     *outbox
	log     *slog.Logger
	name    string  // the bot's @username
	seen    *recent // update ids handled by this process
	running atomic.Bool

	stopMu   sync.RWMutex
	stopping bool
	inflight sync.WaitGroup // webhook requests being handled
}

// New checks the config, fills defaults, and connects to Telegram (getMe)
// to check the token.
func New(cfg Config, h Handler) (*Bot, error) {
	if h == nil {
		return nil, errors.New("new telegram bot: no handler")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("new telegram bot: no token")
	}
	if cfg.Mode == "" {
		cfg.Mode = Polling
	}
	switch cfg.Mode {
	case Polling:
	case Webhook:
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("new telegram bot: webhook URL %q: want an absolute https:// address", cfg.WebhookURL)
		}
		if !secretRE.MatchString(cfg.SecretToken) {
			return nil, errors.New("new telegram bot: webhook mode needs a secret token of 1-256 characters A-Z, a-z, 0-9, _ or -")
		}
	default:
		return nil, fmt.Errorf("new telegram bot: unknown mode %q: use %q or %q", cfg.Mode, Polling, Webhook)
	}
	if cfg.APIEndpoint == "" {
		cfg.APIEndpoint = tgbotapi.APIEndpoint
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollTimeout + 15*time.Second}
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 40
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 15 * time.Second
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = 10 * time.Second
	}
	if cfg.WebhookReplyWait <= 0 {
		cfg.WebhookReplyWait = 25 * time.Second
	}
	if cfg.PerChatInterval <= 0 {
		cfg.PerChatInterval = time.Second
	}
	if cfg.PerGroupInterval <= 0 {
		cfg.PerGroupInterval = 3 * time.Second
	}
	if cfg.MessagesPerSecond <= 0 {
		cfg.MessagesPerSecond = 30
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 5
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = 5 * time.Minute
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Commands == nil {
		cfg.Commands = DefaultCommands
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	b := &Bot{cfg: cfg, handler: h, log: cfg.Logger, seen: newRecent(4096)}
	b.client = &apiClient{
		http:        cfg.HTTPClient,
		token:       cfg.Token,
		pollTimeout: cfg.PollTimeout + 10*time.Second,
		callTimeout: cfg.CallTimeout,
		life:        context.Background(),
	}
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.APIEndpoint, b.client)
	if err != nil {
		return nil, fmt.Errorf("connect to telegram: %w", b.redacted(err))
	}
	b.api = api
	b.name = api.Self.UserName
	b.out = newOutbox(&outbox{
		send:          func(c tgbotapi.Chattable) error { _, err := b.api.Request(c); return b.redacted(err) },
		clock:         cfg.Clock,
		perChat:       cfg.PerChatInterval,
		perGroup:      cfg.PerGroupInterval,
		pace:          pacer{interval: time.Duration(float64(time.Second) / cfg.MessagesPerSecond), clock: cfg.Clock},
		maxRetries:    cfg.MaxRetries,
		backoff:       cfg.RetryBackoff,
		maxRetryAfter: cfg.MaxRetryAfter,
		log:           cfg.Logger,
		metrics:       cfg.Metrics,
		undelivered:   cfg.Undelivered,
	})
	return b, nil
}

// Username is the bot's @username as Telegram reported it.
func (b *Bot) Username() string { return b.name }

// redacted returns err with the token taken out of its text (nil stays nil).
func (b *Bot) redacted(err error) error {
	if err == nil {
		return nil
	}
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) {
		return err // Telegram's own description, no URL
	}
	if strings.Contains(err.Error(), b.cfg.Token) {
		return redactedErr{err, b.cfg.Token}
	}
	return err
}

// Run sets the command menu and receives updates until ctx ends: by long
// polling, or in webhook mode by registering the webhook (the updates come
// through ServeHTTP). When ctx ends it finishes the updates in hand, sends
// the queued replies (up to DrainTimeout) and returns. Run may be called
// once.
func (b *Bot) Run(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return errors.New("telegram bot: Run called twice")
	}
	b.setCommands()
	var err error
	switch b.cfg.Mode {
	case Webhook:
		err = b.runWebhook(ctx)
	default:
		err = b.poll(ctx)
	}
	b.out.close(b.cfg.DrainTimeout)
	b.log.Info("telegram channel stopped", "sent", b.out.sent.Load(), "dropped", b.out.dropped.Load())
	return err
}

func (b *Bot) setCommands() {
	langs := make([]string, 0, len(b.cfg.Commands))
	for lang := range b.cfg.Commands {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	scope := tgbotapi.NewBotCommandScopeAllPrivateChats()
	for _, lang := range langs {
		cmds := make([]tgbotapi.BotCommand, 0, len(b.cfg.Commands[lang]))
		for _, c := range b.cfg.Commands[lang] {
			cmds = append(cmds, tgbotapi.BotCommand{Command: c.Command, Description: c.Description})
		}
		if _, err := b.api.Request(tgbotapi.NewSetMyCommandsWithScopeAndLanguage(scope, lang, cmds...)); err != nil {
			b.log.Warn("set telegram command menu", "language", lang, "err", b.redacted(err))
		}
	}
}

// runWebhook registers the webhook with its secret token and waits for ctx;
// then it refuses new requests and waits for those being handled.
func (b *Bot) runWebhook(ctx context.Context) error {
	allowed, err := json.Marshal(allowedUpdates)
	if err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	// The SDK's WebhookConfig has no secret_token: make the call directly.
	_, err = b.api.MakeRequest("setWebhook", tgbotapi.Params{
		"url":             b.cfg.WebhookURL,
		"secret_token":    b.cfg.SecretToken,
		"allowed_updates": string(allowed),
		"max_connections": strconv.Itoa(b.cfg.MaxConnections),
	})
	if err != nil {
		return fmt.Errorf("set webhook: %w", b.redacted(err))
	}
	b.log.Info("telegram webhook set")
	<-ctx.Done()
	b.stopMu.Lock()
	b.stopping = true
	b.stopMu.Unlock()
	b.inflight.Wait()
	return nil
}

// poll receives updates by long polling until ctx ends, handling each batch
// before asking for the next one (which confirms it to Telegram).
func (b *Bot) poll(ctx context.Context) error {
	b.client.setPoll(ctx)
	offset := 0
	backoff := time.Second
	for ctx.Err() == nil {
		updates, err := b.api.GetUpdates(tgbotapi.UpdateConfig{
			Offset:         offset,
			Timeout:        int(b.cfg.PollTimeout / time.Second),
			AllowedUpdates: allowedUpdates,
		})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			err = b.redacted(err)
			wait := backoff
			backoff = min(backoff*2, 30*time.Second)
			var apiErr *tgbotapi.Error
			if errors.As(err, &apiErr) {
				switch {
				case apiErr.Code == http.StatusUnauthorized || apiErr.Code == http.StatusNotFound:
					return fmt.Errorf("poll telegram: the bot token was refused: %w", err)
				case apiErr.Code == http.StatusConflict && strings.Contains(apiErr.Message, "webhook"):
					return fmt.Errorf("poll telegram: a webhook is set for this bot; use webhook mode or delete the webhook: %w", err)
				case apiErr.RetryAfter > 0:
					wait = time.Duration(apiErr.RetryAfter) * time.Second
				}
			}
			b.log.Warn("get telegram updates", "err", err, "retry_in", wait)
			if sleep(ctx, wait) != nil {
				break
			}
			continue
		}
		backoff = time.Second
		b.handleBatch(ctx, updates)
		for _, u := range updates {
			if u.UpdateID >= offset {
				offset = u.UpdateID + 1
			}
		}
	}
	if offset > 0 {
		// Confirm the last batch so that a restart does not receive it again.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		b.client.setPoll(cctx)
		_, err := b.api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 1})
		cancel()
		if err != nil {
			b.log.Warn("confirm telegram updates", "err", b.redacted(err))
		}
	}
	return nil
}

// handleBatch handles one getUpdates batch: chats at the same time (up to
// Workers), each chat's updates in order.
func (b *Bot) handleBatch(ctx context.Context, updates []tgbotapi.Update) {
	var order []int64
	byChat := map[int64][]inbound{}
	for _, u := range updates {
		in := translate(u, b.name)
		key := in.chatID
		if key == 0 {
			b.handle(ctx, in) // nothing for the engine; at most a callback answer
			continue
		}
		if _, ok := byChat[key]; !ok {
			order = append(order, key)
		}
		byChat[key] = append(byChat[key], in)
	}
	sem := make(chan struct{}, b.cfg.Workers)
	var wg sync.WaitGroup
	for _, key := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(ins []inbound) {
			defer func() { <-sem; wg.Done() }()
			for _, in := range ins {
				b.handle(ctx, in)
			}
		}(byChat[key])
	}
	wg.Wait()
}

// ServeHTTP receives webhook updates. It answers 401 without the right
// secret token, 413 for a body over MaxBodyBytes, 400 for what is not an
// update, 503 while stopping, and 200 once the engine has answered (the
// replies themselves are queued, not awaited).
func (b *Bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b.cfg.Mode != Webhook {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), []byte(b.cfg.SecretToken)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	var u tgbotapi.Update
	if err := json.Unmarshal(data, &u); err != nil {
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
		return
	}
	b.stopMu.RLock()
	if b.stopping {
		b.stopMu.RUnlock()
		http.Error(w, "stopping", http.StatusServiceUnavailable) // Telegram retries, maybe elsewhere
		return
	}
	b.inflight.Add(1)
	b.stopMu.RUnlock()
	defer b.inflight.Done()
	sent := b.handle(r.Context(), translate(u, b.name))
	// Answer once the replies are sent: Telegram holds the chat's next
	// update until then, so with several replicas a later reply (sent by
	// another one) cannot overtake these. Bounded, so that a long 429 wait
	// does not make Telegram give up on the request.
	t := time.NewTimer(b.cfg.WebhookReplyWait)
	select {
	case <-sent:
	case <-t.C:
	case <-r.Context().Done():
	}
	t.Stop()
	w.WriteHeader(http.StatusOK)
}

// handle does what one update asks: answers a pressed button, passes a
// resident's message to the engine and queues its replies, or queues a
// notice. The channel returned is closed when what it queued is sent.
func (b *Bot) handle(ctx context.Context, in inbound) <-chan struct{} {
	if !b.seen.add(in.updateID) {
		b.log.Debug("telegram update already handled", "update_id", in.updateID)
		return closedChan
	}
	if in.queryID != "" {
		// Stop the button's spinner. answerCallbackQuery returns true, not a
		// Message: Request, not Send.
		if _, err := b.api.Request(tgbotapi.NewCallback(in.queryID, "")); err != nil {
			b.log.Warn("answer telegram callback query", "update_id", in.updateID, "err", b.redacted(err))
		}
	}
	switch in.action {
	case toNotice:
		sent, _ := b.out.enqueue(in.chatID, textMessage(in.chatID, noticeText(in.notice, in.lang, b.name))...)
		return sent
	case toEngine:
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cfg.HandleTimeout)
		defer cancel()
		typing := b.typing(in.chatID)
		events, err := b.handler.Handle(hctx, in.msg)
		<-typing
		if err != nil {
			b.log.Error("telegram update not handled", "update_id", in.updateID, "chat", bot.LogChat(in.msg.Key()), "unavailable", errors.Is(err, bot.ErrUnavailable), "err", err)
		}
		var ops []op
		// Mark the keyboard only when the choice was applied: with the
		// apology (store down) it stays, so the resident can tap again.
		if in.pressed != nil && len(events) > 0 && err == nil {
			ops = append(ops, markPressed(in.chatID, in.pressed))
		}
		if in.notice != noticeNone {
			ops = append(ops, textMessage(in.chatID, noticeText(in.notice, in.lang, b.name))...)
		}
		for _, ev := range events {
			if ev.Kind == bot.EventReply && ev.Reply != nil {
				ops = append(ops, render(in.chatID, ev.Reply)...)
			}
		}
		sent, _ := b.out.enqueue(in.chatID, ops...)
		return sent
	}
	return closedChan
}

// closedChan is a channel that is already closed: nothing to wait for.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Send queues a reply to a resident's chat outside a conversation turn —
// a member of staff answering from Slack, say. chatID is the ChatID of the
// conversation's bot.Message. A burst is queued, never dropped, and sent
// within the rate limits; Send does not wait for it to be sent.
func (b *Bot) Send(chatID string, r bot.Reply) error {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil || id == 0 {
		return errors.New("send to telegram: the chat id is not a Telegram chat id")
	}
	ops := render(id, &r)
	if len(ops) == 0 {
		return errors.New("send to telegram: empty reply")
	}
	if _, ok := b.out.enqueue(id, ops...); !ok {
		return errors.New("send to telegram: the channel is stopping")
	}
	return nil
}

// typing shows "typing…" while the engine works (it may search the
// catalogue). The returned channel closes when the call is done, so that
// replies never overtake it.
func (b *Bot) typing(chatID int64) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := b.api.Request(tgbotapi.NewChatAction(chatID, tgbotapi.ChatTyping)); err != nil {
			b.log.Debug("send telegram chat action", "err", b.redacted(err))
		}
	}()
	return done
}

// recent remembers the last n update ids handled, to skip redeliveries
// cheaply; the engine's store catches the rest (restarts, other replicas).
type recent struct {
	mu   sync.Mutex
	set  map[int]struct{}
	ring []int
	next int
}

func newRecent(n int) *recent {
	return &recent{set: make(map[int]struct{}, n), ring: make([]int, 0, n)}
}

// add records id and reports whether it was new.
func (r *recent) add(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[id]; ok {
		return false
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[id] = struct{}{}
	return true
}
