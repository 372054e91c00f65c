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
	"strconv"
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
	addr := fl.String("http", envOr("OKIENKO_HTTP_ADDR", "127.0.0.1:8080"), "address the HTTP server (web chat, webhooks, health) listens on (env OKIENKO_HTTP_ADDR)")
	apiURL := fl.String("telegram-api", getenv("OKIENKO_TELEGRAM_API_URL"), "Bot API server, e.g. a self-hosted one (default https://api.telegram.org; env OKIENKO_TELEGRAM_API_URL)")
	webOn := fl.Bool("web", envOr("OKIENKO_WEB", "on") != "off", "serve the web chat (env OKIENKO_WEB=off turns it off)")
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
	tgCfg, tgOn, webhookPath, err := telegramConfig(getenv, *webhookURL, *apiURL, io)
	if err != nil {
		return err
	}
	if !tgOn && !*webOn {
		fmt.Fprint(io.err, "okienko serve: no channel to serve: the web chat is off and Telegram is not configured (OKIENKO_TELEGRAM_TOKEN).\n\n"+serveUsage)
		return exitError{1}
	}
	webCfg, err := webConfig(getenv)
	if err != nil {
		return usageError(err.Error())
	}
	if webCfg.Secret != nil {
		bot.SetLogSecret(webCfg.Secret) // replicas log a conversation alike
	}
	metricsAddr := getenv("OKIENKO_METRICS_ADDR")

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
	if *webOn && webCfg.Secret == nil && store.embedded == nil {
		// A shared Redis means replicas or restarts: without one secret for
		// all of them, a resident's cookie names another chat on each.
		fmt.Fprintln(io.err, "okienko serve: the web chat with a shared Redis needs OKIENKO_WEB_SECRET (32+ characters, the same on every replica), e.g. from: openssl rand -hex 32")
		return exitError{1}
	}
	reg := metrics.New()

	relay := &bot.StaffRelay{}
	slackCfg, slackOn, err := slackConfigFromEnv(getenv)
	if err != nil {
		return usageError(err.Error())
	}
	var desk *slack.Desk
	if slackOn {
		slackCfg.Logger, slackCfg.OpenAt = logger, relay.OpenAt
		book := redis.NewCaseBook(store.Store)
		desk, err = slack.New(slackCfg, slack.Deps{
			Staff:  relay,
			Outbox: redis.NewOutbox(store.Store, "slack"),
			Cases:  book,
			Queue:  book,
			Marks:  book,
			Files:  relay,
		})
		if err != nil {
			return fmt.Errorf("start slack: %w", err)
		}
		defer desk.Close()
	} else {
		fmt.Fprintln(io.err, "okienko: Slack is not configured (OKIENKO_SLACK_BOT_TOKEN, OKIENKO_SLACK_CHANNEL): handoff cases are recorded in conversations but reach no one")
	}
	needsCfg, needsOn, err := needsConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	var tally bot.Tally // nil: OKIENKO_NEEDS=off, nothing is counted
	if needsOn {
		needsCfg.Logger = logger
		counters, err := redis.NewNeeds(store.Store, needsCfg)
		if err != nil {
			return fmt.Errorf("needs report: %w", err)
		}
		defer counters.Close() // writes what is still added up in memory, before the store closes
		tally = counters
	}
	engCfg := bot.Config{Script: sc, Store: store, Searcher: searcher, Logger: logger, Metrics: reg, Tally: tally, NewID: store.Store.NewCaseID}
	if desk != nil {
		engCfg.Desk = desk
	}
	eng, err := bot.New(engCfg)
	if err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	relay.Attach(eng)
	if err := watchDialogs(ctx, openDialogs(*dir), eng, logger); err != nil {
		return err
	}

	// Receivers take residents' and staff's messages; workers deliver what
	// they left behind. Shutdown stops the receivers first, then the workers
	// (which flush), so that nothing is added to a queue already flushed.
	var receivers, workers []func(context.Context) error
	var tg *telegram.Bot
	if tgOn {
		tgCfg.Logger, tgCfg.Metrics = logger, reg
		if tg, err = telegram.New(tgCfg, eng); err != nil {
			return fmt.Errorf("start telegram: %w", err)
		}
		relay.Route(telegram.Channel, tg)
		receivers = append(receivers, tg.Run)
	} else {
		fmt.Fprintln(io.err, "okienko: Telegram is not configured (OKIENKO_TELEGRAM_TOKEN): residents reach the bot on the web chat only")
	}
	var chat *web.Chat
	if *webOn {
		mailbox := redis.NewMailbox(store.Store, redis.MailboxConfig{})
		defer mailbox.Close()
		webCfg.Mailbox, webCfg.Logger = mailbox, logger
		webCfg.Centre = func() script.Centre { return eng.Script().Centre }
		if chat, err = web.New(webCfg, eng); err != nil {
			return fmt.Errorf("start web chat: %w", err)
		}
		relay.Route(web.Channel, chat)
		receivers = append(receivers, chat.Run) // ends open event streams at shutdown
	}
	if desk != nil {
		workers = append(workers, desk.Run)
		if slackCfg.AppToken != "" {
			receivers = append(receivers, desk.RunSocketMode)
		}
	}

	mux := http.NewServeMux()
	if chat != nil {
		chat.Register(mux) // /, /chat, /widget.js, /assets/, /api/chat/
	}
	if tgCfg.Mode == telegram.Webhook {
		mux.Handle(webhookPath, tg)
	}
	if desk != nil && slackCfg.SigningSecret != "" {
		mux.Handle("POST /slack/events", desk.EventsHandler())
		mux.Handle("POST /slack/interactivity", desk.InteractivityHandler())
	}
	ops := mux
	if metricsAddr != "" {
		ops = http.NewServeMux() // health and metrics only on their own listener
	}
	// For the load balancer: /healthz while the process runs, /readyz while
	// the session store answers too.
	ops.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	ops.Handle("GET /readyz", readiness(store))
	ops.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = reg.WriteTo(w)
	})
	if metricsAddr == "" && !loopback(*addr) {
		fmt.Fprintf(io.err, "okienko: /metrics is served on the public address %s; set OKIENKO_METRICS_ADDR (e.g. 127.0.0.1:9090) to keep it internal\n", *addr)
	}
	servers := []*listener{{name: "HTTP", addr: *addr, handler: mux}}
	if metricsAddr != "" {
		servers = append(servers, &listener{name: "metrics", addr: metricsAddr, handler: ops})
	}
	for _, l := range servers {
		if err := l.listen(logger); err != nil {
			for _, o := range servers {
				o.close()
			}
			return err
		}
		receivers = append(receivers, l.serve)
	}

	var where []string
	if chat != nil {
		where = append(where, "web chat on http://"+servers[0].ln.Addr().String()+"/")
	}
	if tg != nil {
		mode := "long polling"
		if tgCfg.Mode == telegram.Webhook {
			mode = "webhook " + webhookPath
		}
		where = append(where, fmt.Sprintf("Telegram as @%s (%s)", tg.Username(), mode))
	}
	where = append(where, "health and metrics on http://"+servers[len(servers)-1].ln.Addr().String()+"/metrics")
	fmt.Fprintf(io.err, "okienko: serving residents: %s; Ctrl+C stops\n", strings.Join(where, "; "))
	return runPhases(ctx, receivers, workers)
}

// runPhases runs receivers and workers until ctx ends or one of them fails,
// then stops the receivers first and the workers once the receivers have
// returned, and returns the first error.
func runPhases(ctx context.Context, receivers, workers []func(context.Context) error) error {
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
	for _, run := range workers {
		work.Go(func() { fail(run(workCtx)) })
	}
	for _, run := range receivers {
		recv.Go(func() { fail(run(recvCtx)) })
	}
	recv.Wait()
	stopWorking()
	work.Wait()
	return first
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
// requests, the ones in flight finished (up to 15 s).
func (l *listener) serve(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- l.srv.Serve(l.ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", l.name, err)
	case <-ctx.Done():
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	if err := l.srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("stop %s server: %w", l.name, err)
	}
	return nil
}

// telegramConfig reads the Telegram settings; on is false when no token is
// set (Telegram is optional: the web chat serves without it).
func telegramConfig(getenv func(string) string, webhookURL, apiURL string, io stdio) (cfg telegram.Config, on bool, webhookPath string, err error) {
	token := strings.TrimSpace(getenv("OKIENKO_TELEGRAM_TOKEN"))
	if token == "" {
		return cfg, false, "", nil
	}
	cfg = telegram.Config{Token: token}
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return cfg, false, "", usageError(fmt.Sprintf("--telegram-api %q: want an http(s):// address", apiURL))
		}
		cfg.APIEndpoint = strings.TrimSuffix(apiURL, "/") + "/bot%s/%s"
	}
	if webhookURL != "" {
		u, err := url.Parse(webhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return cfg, false, "", usageError(fmt.Sprintf("webhook URL %q: Telegram needs a public https:// address", webhookURL))
		}
		cfg.Mode, cfg.WebhookURL = telegram.Webhook, webhookURL
		cfg.SecretToken = getenv("OKIENKO_TELEGRAM_SECRET")
		if cfg.SecretToken == "" {
			fmt.Fprint(io.err, "okienko serve: webhook mode needs OKIENKO_TELEGRAM_SECRET (1-256 characters A-Z, a-z, 0-9, _ and -), e.g. from: openssl rand -hex 32\n")
			return cfg, false, "", exitError{1}
		}
		webhookPath = u.Path
		if webhookPath == "" {
			webhookPath = "/" // beside the web chat's GET /
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{
		{"OKIENKO_TELEGRAM_PER_CHAT_INTERVAL", &cfg.PerChatInterval},
	} {
		if v := strings.TrimSpace(getenv(d.name)); v != "" {
			if *d.to, err = time.ParseDuration(v); err != nil || *d.to <= 0 {
				return cfg, false, "", usageError(fmt.Sprintf("%s %q: want a duration such as 1s", d.name, v))
			}
		}
	}
	if v := strings.TrimSpace(getenv("OKIENKO_TELEGRAM_RATE")); v != "" {
		if cfg.MessagesPerSecond, err = strconv.ParseFloat(v, 64); err != nil || cfg.MessagesPerSecond <= 0 {
			return cfg, false, "", usageError(fmt.Sprintf("OKIENKO_TELEGRAM_RATE %q: want messages per second, e.g. 30", v))
		}
	}
	return cfg, true, webhookPath, nil
}

// webConfig reads the web chat's settings.
func webConfig(getenv func(string) string) (web.Config, error) {
	var cfg web.Config
	if s := strings.TrimSpace(getenv("OKIENKO_WEB_SECRET")); s != "" {
		if len(s) < 32 {
			return cfg, errors.New("OKIENKO_WEB_SECRET: use at least 32 characters, e.g. from: openssl rand -hex 32")
		}
		cfg.Secret = []byte(s)
	}
	for _, o := range splitList(getenv("OKIENKO_WEB_ORIGINS")) {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
			return cfg, fmt.Errorf("OKIENKO_WEB_ORIGINS: %q is not an origin such as https://www.cus.example.pl", o)
		}
		cfg.AllowedOrigins = append(cfg.AllowedOrigins, strings.TrimSuffix(o, "/"))
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("OKIENKO_WEB_BEHIND_PROXY"))); v {
	case "", "false", "no", "0":
	case "true", "yes":
		cfg.ProxyHops = 1
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return cfg, fmt.Errorf("OKIENKO_WEB_BEHIND_PROXY=%q: want true, false or the number of proxies in front", v)
		}
		cfg.ProxyHops = n
	}
	if v := strings.TrimSpace(getenv("OKIENKO_WEB_PUBLIC_URL")); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return cfg, fmt.Errorf("OKIENKO_WEB_PUBLIC_URL=%q: want the chat's address, e.g. https://czat.cus.example.pl", v)
		}
		cfg.PublicURL = v
	}
	if v := strings.TrimSpace(getenv("OKIENKO_WEB_MAX_STREAMS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("OKIENKO_WEB_MAX_STREAMS=%q: want a number of open chat tabs, e.g. 2000", v)
		}
		cfg.MaxStreams = n
	}
	if v := strings.TrimSpace(getenv("OKIENKO_WEB_RATE")); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("OKIENKO_WEB_RATE=%q: want messages per minute, e.g. 20", v)
		}
		cfg.RatePerMinute = n
	}
	return cfg, nil
}

const serveUsage = `usage: okienko serve [flags]

Serves residents on the web chat (http://127.0.0.1:8080/ by default) and,
when configured, on Telegram; hands cases to staff in Slack when configured.
With no configuration at all it runs on an embedded Redis with the bundled
dialogs and catalogue. Configure with environment variables:
  OKIENKO_HTTP_ADDR             HTTP listen address: web chat, webhooks, health (default 127.0.0.1:8080)
  OKIENKO_METRICS_ADDR          separate listen address for /metrics, /healthz, /readyz (default: on the HTTP address)
  OKIENKO_WEB                   "off" turns the web chat off
  OKIENKO_WEB_SECRET            32+ random characters; the same on every replica and across restarts
  OKIENKO_WEB_ORIGINS           sites that embed the chat widget, comma-separated (https://www.cus.example.pl)
  OKIENKO_WEB_BEHIND_PROXY      true (or the number of proxies) when a reverse proxy adds X-Forwarded-For
  OKIENKO_WEB_RATE              messages per minute one client may send (default 20)
  OKIENKO_WEB_PUBLIC_URL        the chat's public address (https://czat.cus.example.pl): Secure cookies behind a TLS proxy
  OKIENKO_WEB_MAX_STREAMS       open chat tabs (event streams) one process serves in all (default 2000)
  OKIENKO_TELEGRAM_TOKEN        bot token from @BotFather (never printed); unset: no Telegram
  OKIENKO_TELEGRAM_WEBHOOK_URL  public https:// URL for webhook mode; unset: long polling
  OKIENKO_TELEGRAM_SECRET       webhook secret token (required in webhook mode)
  OKIENKO_TELEGRAM_RATE         messages per second to Telegram overall (default 30)
  OKIENKO_TELEGRAM_PER_CHAT_INTERVAL  spacing of messages to one chat (default 1s)
  OKIENKO_REDIS_URL             Redis for conversation state (unset: embedded, lost on restart)
  OKIENKO_SLACK_BOT_TOKEN       Slack bot token (xoxb-…): hand cases to staff in Slack
  OKIENKO_SLACK_CHANNEL         id of the staff channel (C…) where cases are posted
  OKIENKO_SLACK_SIGNING_SECRET  verifies Slack's requests to /slack/events and /slack/interactivity
  OKIENKO_SLACK_APP_TOKEN       xapp- token for Socket Mode (no public URL needed)
  OKIENKO_SLACK_ONDUTY_GROUP    user group (S…) mentioned on urgent cases
  OKIENKO_SLACK_REPLY_PREFIX    thread replies starting with it go to the resident (default ">>")
  OKIENKO_SLACK_CLAIM_REMINDER  remind the channel of an unclaimed case after (default 10m)
  OKIENKO_SLACK_OFFER_PHONE_AFTER  offer the resident the phone after (default 30m)
  OKIENKO_SLACK_QUIET_AFTER     the morning round lists claimed cases quiet this long (default 24h; "off")
  OKIENKO_NEEDS                 "off": keep no anonymous daily counts for the needs report
  OKIENKO_NEEDS_TIMEZONE        the Centre's day for the counts (default Europe/Warsaw)
  OKIENKO_NEEDS_RETENTION       daily counts kept (default 400d); OKIENKO_NEEDS_QUERY_RETENTION: redacted queries (90d)

Any of these may also come from a YAML file given with --config FILE (or
OKIENKO_CONFIG), named in lower case without OKIENKO_ (redis_url: ...); the
environment wins over the file.

Examples:
  okienko serve                                   # web chat on http://127.0.0.1:8080/
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
