package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"okienko/bot"
	"okienko/bot/metrics"
	"okienko/bot/redis"
	"okienko/bot/slack"
	"okienko/bot/telegram"
)

// runServe serves residents: for now on Telegram, by long polling or, with
// a webhook URL, as an HTTP server behind a load balancer. The bot token and
// the webhook secret come only from the environment, so that they never
// show in a process list or shell history.
func runServe(ctx context.Context, args []string, io stdio) error {
	getenv, err := configEnv(args, io)
	if err != nil {
		return err
	}
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.String("config", "", "YAML file of settings (env OKIENKO_CONFIG); the environment wins over it")
	fl.SetOutput(io.err)
	fl.Usage = func() {
		fmt.Fprint(io.err, serveUsage)
		fl.PrintDefaults()
	}
	dir := fl.String("dialogs", "", "folder of dialog scripts (default: ./dialogs if present, else the bundled ones)")
	webhookURL := fl.String("webhook-url", getenv("OKIENKO_TELEGRAM_WEBHOOK_URL"), "public https:// URL Telegram posts updates to; empty: long polling (env OKIENKO_TELEGRAM_WEBHOOK_URL)")
	addr := fl.String("http", envOr("OKIENKO_HTTP_ADDR", "127.0.0.1:8080"), "address the webhook server listens on (env OKIENKO_HTTP_ADDR)")
	apiURL := fl.String("telegram-api", getenv("OKIENKO_TELEGRAM_API_URL"), "Bot API server, e.g. a self-hosted one (default https://api.telegram.org; env OKIENKO_TELEGRAM_API_URL)")
	verbose := fl.Bool("v", false, "log debug details")
	logFormat := fl.String("log-format", envOr("OKIENKO_LOG_FORMAT", "json"), "json or text (env OKIENKO_LOG_FORMAT); logs never carry message text, tokens or phone numbers")
	cat := catalogFlags{getenv: getenv}
	cat.register(fl)
	stf := storeFlags{getenv: getenv}
	stf.register(fl)
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err.Error())
	}
	if fl.NArg() > 0 {
		return usageError("serve takes no arguments")
	}
	token := strings.TrimSpace(getenv("OKIENKO_TELEGRAM_TOKEN"))
	if token == "" {
		fmt.Fprint(io.err, "okienko serve: Telegram is not configured: OKIENKO_TELEGRAM_TOKEN is not set.\n\n"+serveUsage)
		return exitError{1}
	}
	cfg := telegram.Config{Token: token}
	if *apiURL != "" {
		u, err := url.Parse(*apiURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return usageError(fmt.Sprintf("--telegram-api %q: want an http(s):// address", *apiURL))
		}
		cfg.APIEndpoint = strings.TrimSuffix(*apiURL, "/") + "/bot%s/%s"
	}
	var webhookPath string
	if *webhookURL != "" {
		u, err := url.Parse(*webhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return usageError(fmt.Sprintf("webhook URL %q: Telegram needs a public https:// address", *webhookURL))
		}
		cfg.Mode, cfg.WebhookURL = telegram.Webhook, *webhookURL
		cfg.SecretToken = getenv("OKIENKO_TELEGRAM_SECRET")
		if cfg.SecretToken == "" {
			fmt.Fprint(io.err, "okienko serve: webhook mode needs OKIENKO_TELEGRAM_SECRET (1-256 characters A-Z, a-z, 0-9, _ and -), e.g. from: openssl rand -hex 32\n")
			return exitError{1}
		}
		webhookPath = u.Path
		if webhookPath == "" {
			webhookPath = "/"
		}
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	var handler slog.Handler
	switch *logFormat {
	case "json":
		handler = slog.NewJSONHandler(io.err, &slog.HandlerOptions{Level: level})
	case "text":
		handler = slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: level})
	default:
		return usageError(fmt.Sprintf("--log-format %q: use json or text", *logFormat))
	}
	logger := slog.New(handler)
	cfg.Logger = logger
	sc, err := loadScript(openDialogs(*dir), io, false)
	if err != nil {
		return err
	}
	searcher, err := cat.live(ctx, io, logger)
	if err != nil {
		return err
	}
	defer searcher.Close()
	store, err := stf.open(ctx, io, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	bridge := &staffBridge{logger: logger}
	slackCfg, slackOn, err := slackConfigFromEnv(getenv)
	if err != nil {
		return usageError(err.Error())
	}
	var desk *slack.Desk
	if slackOn {
		slackCfg.Logger = logger
		desk, err = slack.New(slackCfg, slack.Deps{
			Engine:   bridge,
			Outbox:   redis.NewOutbox[slack.OutboxEntry](store.Store, "slack"),
			CaseBook: redis.NewCaseBook[slack.CaseRecord, slack.CaseStatus](store.Store),
		})
		if err != nil {
			return fmt.Errorf("start slack: %w", err)
		}
		defer desk.Close()
	} else {
		fmt.Fprintln(io.err, "okienko: Slack is not configured (OKIENKO_SLACK_BOT_TOKEN, OKIENKO_SLACK_CHANNEL): handoff cases are recorded in conversations but reach no one")
	}
	reg := metrics.New()
	engCfg := bot.Config{Script: sc, Store: store, Searcher: searcher, Logger: logger, Metrics: reg}
	if desk != nil {
		engCfg.Desk = desk
	}
	eng, err := bot.New(engCfg)
	if err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	bridge.eng = eng
	if err := watchDialogs(ctx, openDialogs(*dir), eng, logger); err != nil {
		return err
	}
	tg, err := telegram.New(cfg, eng)
	if err != nil {
		return fmt.Errorf("start telegram: %w", err)
	}
	bridge.senders = map[string]replySender{telegram.Channel: tg}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var parts []func(context.Context) error
	parts = append(parts, tg.Run)
	if desk != nil {
		parts = append(parts, desk.Run)
		if slackCfg.AppToken != "" {
			parts = append(parts, desk.RunSocketMode)
		}
	}
	needHTTP := cfg.Mode == telegram.Webhook || (desk != nil && slackCfg.SigningSecret != "")
	if !needHTTP {
		fmt.Fprintf(io.err, "okienko: serving residents on Telegram as @%s (long polling); Ctrl+C stops\n", tg.Username())
		return runAll(runCtx, cancel, parts)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen for the Telegram webhook: %w", err)
	}
	mux := http.NewServeMux()
	if cfg.Mode == telegram.Webhook {
		mux.Handle(webhookPath, tg)
	}
	if desk != nil && slackCfg.SigningSecret != "" {
		mux.Handle("POST /slack/events", desk.EventsHandler())
		mux.Handle("POST /slack/interactivity", desk.InteractivityHandler())
	}
	// For the load balancer: /healthz while the process runs, /readyz while
	// the session store answers too.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("GET /readyz", readiness(store))
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = reg.WriteTo(w)
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	mode := "long polling"
	if cfg.Mode == telegram.Webhook {
		mode = "webhook on " + ln.Addr().String() + webhookPath
	}
	fmt.Fprintf(io.err, "okienko: serving residents on Telegram as @%s (%s); HTTP on %s; Ctrl+C stops\n", tg.Username(), mode, ln.Addr())

	ran := make(chan error, 1)
	go func() { ran <- runAll(runCtx, cancel, parts) }()
	var serveErr error
	select {
	case serveErr = <-served:
		cancel() // the listener failed: stop the rest too
	case <-runCtx.Done():
	case err := <-ran:
		cancel()
		ran <- err
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("stop the HTTP server", "err", err)
	}
	if err := <-ran; err != nil {
		return err
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", serveErr)
	}
	return nil
}

// runAll runs the parts until ctx ends or one fails (which stops the
// others), and returns the first error.
func runAll(ctx context.Context, cancel context.CancelFunc, parts []func(context.Context) error) error {
	errs := make(chan error, len(parts))
	for _, run := range parts {
		go func() { errs <- run(ctx) }()
	}
	var first error
	for range parts {
		if err := <-errs; err != nil && first == nil && !errors.Is(err, context.Canceled) {
			first = err
			cancel()
		}
	}
	return first
}

const serveUsage = `usage: okienko serve [flags]

Serves residents on Telegram. Configure with environment variables:
  OKIENKO_TELEGRAM_TOKEN        bot token from @BotFather (required; never printed)
  OKIENKO_TELEGRAM_WEBHOOK_URL  public https:// URL for webhook mode; unset: long polling
  OKIENKO_TELEGRAM_SECRET       webhook secret token (required in webhook mode)
  OKIENKO_HTTP_ADDR             webhook listen address (default 127.0.0.1:8080)
  OKIENKO_REDIS_URL             Redis for conversation state (unset: embedded, lost on restart)
  OKIENKO_SLACK_BOT_TOKEN       Slack bot token (xoxb-…): hand cases to staff in Slack
  OKIENKO_SLACK_CHANNEL         id of the staff channel (C…) where cases are posted
  OKIENKO_SLACK_SIGNING_SECRET  verifies Slack's requests to /slack/events and /slack/interactivity
  OKIENKO_SLACK_APP_TOKEN       xapp- token for Socket Mode (no public URL needed)
  OKIENKO_SLACK_ONDUTY_GROUP    user group (S…) mentioned on urgent cases
  OKIENKO_SLACK_REPLY_PREFIX    thread replies starting with it go to the resident (default ">>")
  OKIENKO_SLACK_CLAIM_REMINDER  remind the channel of an unclaimed case after (default 10m)
  OKIENKO_SLACK_OFFER_PHONE_AFTER  offer the resident the phone after (default 30m)

Any of these may also come from a YAML file given with --config FILE (or
OKIENKO_CONFIG), named in lower case without OKIENKO_ (redis_url: ...); the
environment wins over the file.

Example:
  OKIENKO_TELEGRAM_TOKEN=123456:ABC... okienko serve

`

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
