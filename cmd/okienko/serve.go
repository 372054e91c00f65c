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
	"os"
	"strings"
	"time"

	"okienko/bot"
	"okienko/bot/telegram"
)

// runServe serves residents: for now on Telegram, by long polling or, with
// a webhook URL, as an HTTP server behind a load balancer. The bot token and
// the webhook secret come only from the environment, so that they never
// show in a process list or shell history.
func runServe(ctx context.Context, args []string, io stdio) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.err)
	fl.Usage = func() {
		fmt.Fprint(io.err, serveUsage)
		fl.PrintDefaults()
	}
	dir := fl.String("dialogs", "", "folder of dialog scripts (default: ./dialogs if present, else the bundled ones)")
	webhookURL := fl.String("webhook-url", os.Getenv("OKIENKO_TELEGRAM_WEBHOOK_URL"), "public https:// URL Telegram posts updates to; empty: long polling (env OKIENKO_TELEGRAM_WEBHOOK_URL)")
	addr := fl.String("http", serveEnvOr("OKIENKO_HTTP_ADDR", "127.0.0.1:8080"), "address the webhook server listens on (env OKIENKO_HTTP_ADDR)")
	apiURL := fl.String("telegram-api", os.Getenv("OKIENKO_TELEGRAM_API_URL"), "Bot API server, e.g. a self-hosted one (default https://api.telegram.org; env OKIENKO_TELEGRAM_API_URL)")
	verbose := fl.Bool("v", false, "log debug details")
	var cat catalogFlags
	cat.register(fl)
	var stf storeFlags
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
	token := strings.TrimSpace(os.Getenv("OKIENKO_TELEGRAM_TOKEN"))
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
		cfg.SecretToken = os.Getenv("OKIENKO_TELEGRAM_SECRET")
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
	logger := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: level}))
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
	eng, err := bot.New(bot.Config{Script: sc, Store: store, Searcher: searcher, Logger: logger})
	if err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	tg, err := telegram.New(cfg, eng)
	if err != nil {
		return fmt.Errorf("start telegram: %w", err)
	}
	if cfg.Mode != telegram.Webhook {
		fmt.Fprintf(io.err, "okienko: serving residents on Telegram as @%s (long polling); Ctrl+C stops\n", tg.Username())
		return tg.Run(ctx)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen for the Telegram webhook: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(webhookPath, tg)
	// For the load balancer: /healthz while the process runs, /readyz while
	// the session store answers too.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("GET /readyz", readiness(store))
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
	fmt.Fprintf(io.err, "okienko: serving residents on Telegram as @%s (webhook on %s%s); Ctrl+C stops\n", tg.Username(), ln.Addr(), webhookPath)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- tg.Run(runCtx) }()
	var serveErr error
	select {
	case serveErr = <-served:
		cancel() // the listener failed: stop Telegram too
	case <-runCtx.Done():
	case err := <-ran:
		cancel()
		ran <- err
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("stop the webhook server", "err", err)
	}
	if err := <-ran; err != nil {
		return err
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve the Telegram webhook: %w", serveErr)
	}
	return nil
}

const serveUsage = `usage: okienko serve [flags]

Serves residents on Telegram. Configure with environment variables:
  OKIENKO_TELEGRAM_TOKEN        bot token from @BotFather (required; never printed)
  OKIENKO_TELEGRAM_WEBHOOK_URL  public https:// URL for webhook mode; unset: long polling
  OKIENKO_TELEGRAM_SECRET       webhook secret token (required in webhook mode)
  OKIENKO_HTTP_ADDR             webhook listen address (default 127.0.0.1:8080)
  OKIENKO_REDIS_URL             Redis for conversation state (unset: embedded, lost on restart)

Example:
  OKIENKO_TELEGRAM_TOKEN=123456:ABC... okienko serve

`

// serveEnvOr returns the environment variable, or def when it is empty.
func serveEnvOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
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
