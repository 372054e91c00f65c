package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"okienko/bot"
	"okienko/bot/metrics"
	"okienko/bot/redis"
	"okienko/bot/script"
	"okienko/bot/slack"
	"okienko/bot/telegram"
	"okienko/bot/web"
)

// runServe serves residents on the web chat and, when configured, on
// Telegram (long polling or webhook), hands cases to staff in Slack when
// configured, and answers health checks and metrics. With no configuration
// at all it serves the web chat on 127.0.0.1:8080 with an embedded Redis
// and the bundled dialogs and catalogue. Tokens and secrets come only from
// the environment or the --config file, so that they never show in a
// process list or shell history.
func runServe(ctx context.Context, args []string, io stdio) error {
	cfg, err := loadServeConfig(args, io)
	if err != nil || cfg == nil {
		return err
	}
	srv, err := newServer(ctx, cfg, io)
	if err != nil {
		return err
	}
	err = srv.Run(ctx)
	srv.Close()
	return err
}

// The stages of a graceful shutdown share serveConfig.ShutdownTimeout:
// receivers (HTTP requests in flight, the web chat's streams, Telegram's
// send queue) may use half of it; the workers (the Slack outbox flush) then
// run until 85 % of it has passed, at least a third of it when the
// receivers overran; the closers (the needs counters, Redis) have the rest.
// A stage that overruns is left behind, so that a Bot API that hangs
// cannot take the Slack flush's or the counters' turn.
const (
	receiversShare = 0.50
	workersShare   = 0.85
	drainShare     = 0.30 // Telegram's queue and Slack's outbox, within their stages
)

// server is one `okienko serve`: newServer opens its parts, Run serves
// until its context ends and stops the parts that take work, Close closes
// the rest. Shutdown as a whole stays within cfg.ShutdownTimeout.
type server struct {
	cfg    *serveConfig
	logger *slog.Logger
	// Receivers take residents' and staff's messages; workers deliver what
	// they left behind. Shutdown stops the receivers first, then the
	// workers (which flush), so that nothing is added to a queue already
	// flushed.
	receivers, workers []func(context.Context) error
	closers            []func() error // run in reverse order by Close
	stopAt             time.Time
}

// share is the part f of the shutdown budget.
func (s *server) share(f float64) time.Duration {
	return time.Duration(float64(s.cfg.ShutdownTimeout) * f)
}

// newServer opens every part of serve as cfg says and starts listening;
// on an error it closes what it had opened.
func newServer(ctx context.Context, cfg *serveConfig, io stdio) (_ *server, err error) {
	var handler slog.Handler
	if cfg.LogFormat == "text" {
		handler = slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: cfg.LogLevel})
	} else {
		handler = slog.NewJSONHandler(io.err, &slog.HandlerOptions{Level: cfg.LogLevel})
	}
	s := &server{cfg: cfg, logger: slog.New(handler)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	logger := s.logger
	if cfg.WebChat.Secret != nil {
		bot.SetLogSecret(cfg.WebChat.Secret) // replicas log a conversation alike
	}
	sc, err := loadScript(openDialogs(cfg.Dialogs), io, false)
	if err != nil {
		return nil, err
	}
	searcher, err := cfg.Catalog.live(ctx, io, logger)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, searcher.Close)
	store, err := openStore(ctx, cfg.Redis, io, logger)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { store.Close(); return nil })
	reg := metrics.New()

	relay := &bot.StaffRelay{}
	var desk *slack.Desk
	if cfg.SlackOn {
		slackCfg := cfg.Slack
		slackCfg.Logger, slackCfg.OpenAt = logger, relay.OpenAt
		if slackCfg.DrainTimeout <= 0 {
			slackCfg.DrainTimeout = s.share(drainShare)
		}
		book := redis.NewCaseBook(store.Store)
		outbox := redis.NewOutbox(store.Store, "slack")
		reg.GaugeFunc("okienko_slack_outbox_backlog", "Entries in the Slack outbox not yet delivered (cases, relayed messages, updates), all replicas.",
			redisGauge(func(ctx context.Context) (int64, error) { return store.StreamLen(ctx, outbox.Key()) }))
		desk, err = slack.New(slackCfg, slack.Deps{
			Staff:  relay,
			Outbox: outbox,
			Cases:  book,
			Queue:  book,
			Marks:  book,
			Files:  relay,
		})
		if err != nil {
			return nil, fmt.Errorf("start slack: %w", err)
		}
		s.closers = append(s.closers, func() error { desk.Close(); return nil })
	} else {
		fmt.Fprintln(io.err, "okienko: Slack is not configured (OKIENKO_SLACK_BOT_TOKEN, OKIENKO_SLACK_CHANNEL): handoff cases are recorded in conversations but reach no one")
	}
	reg.GaugeVecFunc("okienko_cases_open", "Open handoff cases by status (waiting, claimed), all replicas.", "status",
		func() map[string]float64 {
			return map[string]float64{"waiting": redisGauge(store.WaitingCases)(), "claimed": redisGauge(store.ClaimedCases)()}
		})
	var tally bot.Tally // nil: OKIENKO_NEEDS=off, nothing is counted
	if cfg.NeedsOn {
		needsCfg := cfg.Needs
		needsCfg.Logger = logger
		counters, err := redis.NewNeeds(store.Store, needsCfg)
		if err != nil {
			return nil, fmt.Errorf("needs report: %w", err)
		}
		// Writes what is still added up in memory, before the store closes.
		s.closers = append(s.closers, counters.Close)
		tally = counters
	}
	engCfg := bot.Config{Script: sc, Store: store, Searcher: searcher, Logger: logger, Metrics: reg, Tally: tally, NewID: store.Store.NewCaseID,
		// Handing a case to the desk is an outbox write: as patient as a
		// message's store work, or a busy CPU drops the case.
		StoreTimeout: storeTimeout(cfg.Redis), DeskRetry: storeTimeout(cfg.Redis)}
	if desk != nil {
		engCfg.Desk = desk
	}
	eng, err := bot.New(engCfg)
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	relay.Attach(eng)
	if err := watchDialogs(ctx, openDialogs(cfg.Dialogs), eng, logger); err != nil {
		return nil, err
	}

	var tg *telegram.Bot
	if cfg.TelegramOn {
		tgCfg := cfg.Telegram
		tgCfg.Logger, tgCfg.Metrics = logger, reg
		// A reply Telegram refused or gave up on: the staff of the
		// resident's open case read it in the case thread.
		tgCfg.Undelivered = func(chatID string, why bot.Undelivered) { eng.Undelivered(telegram.Channel, chatID, why) }
		if tgCfg.DrainTimeout <= 0 {
			tgCfg.DrainTimeout = s.share(drainShare)
		}
		if tg, err = telegram.New(tgCfg, eng); err != nil {
			return nil, fmt.Errorf("start telegram: %w", err)
		}
		relay.Route(telegram.Channel, tg)
		reg.GaugeFunc("okienko_telegram_queue_length", "Telegram calls waiting in this replica's send queue.", func() float64 { return float64(tg.QueueLength()) })
		s.receivers = append(s.receivers, tg.Run)
	} else {
		fmt.Fprintln(io.err, "okienko: Telegram is not configured (OKIENKO_TELEGRAM_TOKEN): residents reach the bot on the web chat only")
	}
	var chat *web.Chat
	if cfg.Web {
		mailbox := redis.NewMailbox(store.Store, redis.MailboxConfig{})
		s.closers = append(s.closers, mailbox.Close)
		webCfg := cfg.WebChat
		webCfg.Mailbox, webCfg.Logger = mailbox, logger
		webCfg.Centre = func() script.Centre { return eng.Script().Centre }
		if chat, err = web.New(webCfg, eng); err != nil {
			return nil, fmt.Errorf("start web chat: %w", err)
		}
		relay.Route(web.Channel, chat)
		reg.GaugeFunc("okienko_web_streams_open", "Web chat event streams (open tabs) this replica serves.", func() float64 { return float64(chat.OpenStreams()) })
		s.receivers = append(s.receivers, chat.Run) // ends open event streams at shutdown
	}
	if desk != nil {
		s.workers = append(s.workers, desk.Run)
		if cfg.Slack.AppToken != "" {
			s.receivers = append(s.receivers, desk.RunSocketMode)
		}
	}

	mux := http.NewServeMux()
	if chat != nil {
		chat.Register(mux) // /, /chat, /widget.js, /assets/, /api/chat/
	}
	if cfg.Telegram.Mode == telegram.Webhook && tg != nil {
		mux.Handle(cfg.WebhookPath, tg)
	}
	if desk != nil && cfg.Slack.SigningSecret != "" {
		mux.Handle("POST /slack/events", desk.EventsHandler())
		mux.Handle("POST /slack/interactivity", desk.InteractivityHandler())
	}
	ops := mux
	if cfg.MetricsAddr != "" {
		ops = http.NewServeMux() // health and metrics only on their own listener
	}
	// For the load balancer: /healthz while the process runs, /readyz while
	// the session store answers too.
	ops.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	ops.Handle("GET /readyz", readiness(store))
	ops.Handle("GET /metrics", reg.Handler())
	if cfg.MetricsAddr == "" && !loopback(cfg.HTTPAddr) {
		fmt.Fprintf(io.err, "okienko: /metrics is served on the public address %s; set OKIENKO_METRICS_ADDR (e.g. 127.0.0.1:9090) to keep it internal\n", cfg.HTTPAddr)
	}
	servers := []*listener{{name: "HTTP", addr: cfg.HTTPAddr, handler: mux, grace: s.share(receiversShare)}}
	if cfg.MetricsAddr != "" {
		servers = append(servers, &listener{name: "metrics", addr: cfg.MetricsAddr, handler: ops, grace: s.share(receiversShare)})
	}
	for _, l := range servers {
		if err := l.listen(logger); err != nil {
			for _, o := range servers {
				o.close()
			}
			return nil, err
		}
		s.receivers = append(s.receivers, l.serve)
	}

	var where []string
	if chat != nil {
		where = append(where, "web chat on http://"+servers[0].ln.Addr().String()+"/")
	}
	if tg != nil {
		mode := "long polling"
		if cfg.Telegram.Mode == telegram.Webhook {
			mode = "webhook " + cfg.WebhookPath
		}
		where = append(where, fmt.Sprintf("Telegram as @%s (%s)", tg.Username(), mode))
	}
	where = append(where, "health and metrics on http://"+servers[len(servers)-1].ln.Addr().String()+"/metrics")
	fmt.Fprintf(io.err, "okienko: serving residents: %s; Ctrl+C stops\n", strings.Join(where, "; "))
	return s, nil
}

// Run runs the receivers and workers until ctx ends or one of them fails,
// then stops the receivers first and the workers after them, each stage
// within its share of the shutdown budget, and returns the first error.
// A stage still busy at the end of its share is left behind (logged).
func (s *server) Run(ctx context.Context) error {
	recvCtx, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()
	workCtx, stopWorking := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorking()
	var (
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		if err == nil || errors.Is(err, context.Canceled) {
			return
		}
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		stopReceiving()
	}
	var recv, work sync.WaitGroup
	for _, run := range s.workers {
		work.Go(func() { fail(run(workCtx)) })
	}
	for _, run := range s.receivers {
		recv.Go(func() { fail(run(recvCtx)) })
	}
	<-recvCtx.Done()
	s.stopAt = time.Now()
	s.logger.Info("shutting down", "budget", s.cfg.ShutdownTimeout)
	if !waitUntil(&recv, s.stopAt.Add(s.share(receiversShare))) {
		s.logger.Warn("shutdown: receivers still busy at the end of their share; going on with the Slack outbox and the counters", "after", time.Since(s.stopAt).Round(time.Millisecond))
	}
	stopWorking()
	if !waitUntil(&work, s.stopAt.Add(s.share(workersShare))) {
		s.logger.Warn("shutdown: the Slack outbox flush still busy at the end of its share; what is left stays in Redis", "after", time.Since(s.stopAt).Round(time.Millisecond))
	}
	mu.Lock()
	defer mu.Unlock()
	return first
}

// Close closes what newServer opened, in reverse order, within what is left
// of the shutdown budget (all of it when Run was not called).
func (s *server) Close() {
	start := s.stopAt
	if start.IsZero() {
		start = time.Now()
	}
	closers := slices.Clone(s.closers)
	s.closers = nil
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil {
				s.logger.Warn("shutdown", "err", err)
			}
		}
	}()
	t := time.NewTimer(time.Until(start.Add(s.cfg.ShutdownTimeout)))
	defer t.Stop()
	select {
	case <-done:
		s.logger.Info("stopped", "shutdown", time.Since(start).Round(time.Millisecond))
	case <-t.C:
		s.logger.Warn("shutdown budget spent before everything was closed", "budget", s.cfg.ShutdownTimeout)
	}
}

// storeTimeout is the engine's bound on one message's work with the store:
// a load and a save, each within the Redis timeout (6 s by default, under
// the channels' 10 s per message). A Redis that refuses connections fails
// at once; only a Redis that does not answer makes residents wait this
// long for the apology.
func storeTimeout(c redis.Config) time.Duration {
	op := c.OpTimeout
	if op <= 0 {
		op = redis.DefaultOpTimeout
	}
	return 2 * op
}

// redisGauge turns a count read from Redis into a gauge's value, read
// within a second of the scrape; NaN when Redis does not answer.
func redisGauge(count func(context.Context) (int64, error)) func() float64 {
	return func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}
}

// waitUntil waits for wg until deadline; false when the deadline came first.
func waitUntil(wg *sync.WaitGroup, deadline time.Time) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// loopback reports whether a listen address is on the loopback interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listener is one HTTP server of serve.
type listener struct {
	name, addr string
	handler    http.Handler
	grace      time.Duration // for requests in flight at shutdown
	ln         net.Listener
	srv        *http.Server
}

func (l *listener) listen(logger *slog.Logger) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return fmt.Errorf("listen for %s on %s: %w", l.name, l.addr, err)
	}
	l.ln = ln
	l.srv = &http.Server{
		Handler:           l.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// No WriteTimeout: the web chat's event streams stay open; each
		// handler bounds its own work.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return nil
}

func (l *listener) close() {
	if l.ln != nil {
		_ = l.ln.Close()
	}
}

// serve serves until ctx ends, then shuts down gracefully: no new
// requests, the ones in flight finished (up to grace).
func (l *listener) serve(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- l.srv.Serve(l.ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", l.name, err)
	case <-ctx.Done():
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), l.grace)
	defer stop()
	if err := l.srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("stop %s server: %w", l.name, err)
	}
	return nil
}

// pinger is what readiness needs from the session store.
type pinger interface {
	Ping(ctx context.Context) error
}

// readiness answers 200 while the store answers, else 503, so that a load
// balancer sends residents to replicas that can keep their conversations.
func readiness(st pinger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
}
