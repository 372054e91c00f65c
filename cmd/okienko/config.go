package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"okienko/bot/redis"
	"okienko/bot/slack"
	"okienko/bot/telegram"
	"okienko/bot/web"
	"okienko/bot/yamlfile"
)

// setting is one setting of `okienko serve`: its name in the environment
// (and, in lower case without OKIENKO_, in the --config file), the flag
// that may also set it, and what the usage text says of it. serveSettings
// is the one list of them: the --config check, the usage text and the
// README's table (TestREADMEListsEverySetting) follow it.
type setting struct {
	env, flag, usage string
}

// serveSettings are every setting of serve, in the order the usage lists
// them. A setting with no env is a flag only.
var serveSettings = []setting{
	{"OKIENKO_CONFIG", "config", "YAML file with any of these settings; the environment wins over it"},
	{"OKIENKO_HTTP_ADDR", "http", "HTTP listen address: web chat, webhooks, health (default 127.0.0.1:8080)"},
	{"OKIENKO_METRICS_ADDR", "", "separate listen address for /metrics, /healthz, /readyz (default: on the HTTP address)"},
	{"OKIENKO_LOG_FORMAT", "log-format", "json or text (default json)"},
	{"", "dialogs", "folder of dialog scripts (default ./dialogs if present, else the bundled ones)"},
	{"OKIENKO_CATALOG", "catalog", "service catalogue files or folders, comma-separated (default the bundled sample)"},
	{"OKIENKO_THESAURUS", "thesaurus", "the Centre's own thesaurus files, comma-separated"},
	{"", "v", "debug logs"},
	{"OKIENKO_SHUTDOWN_TIMEOUT", "", "the whole graceful shutdown, all stages together (default 25s)"},
	{"OKIENKO_WEB", "web", `"off" turns the web chat off`},
	{"OKIENKO_WEB_SECRET", "", "32+ random characters; the same on every replica and across restarts"},
	{"OKIENKO_WEB_ORIGINS", "", "sites that embed the chat widget, comma-separated (https://www.cus.example.pl)"},
	{"OKIENKO_WEB_BEHIND_PROXY", "", "true (or the number of proxies) when a reverse proxy adds X-Forwarded-For"},
	{"OKIENKO_WEB_RATE", "", "messages per minute one client may send (default 20)"},
	{"OKIENKO_WEB_PUBLIC_URL", "", "the chat's public address (https://czat.cus.example.pl): Secure cookies behind a TLS proxy"},
	{"OKIENKO_WEB_MAX_STREAMS", "", "open chat tabs (event streams) one process serves in all (default 2000)"},
	{"OKIENKO_TELEGRAM_TOKEN", "", "bot token from @BotFather (never printed); unset: no Telegram"},
	{"OKIENKO_TELEGRAM_RATE", "", "messages per second to Telegram overall (default 30)"},
	{"OKIENKO_TELEGRAM_PER_CHAT_INTERVAL", "", "spacing of messages to one chat (default 1s)"},
	{"OKIENKO_TELEGRAM_WEBHOOK_URL", "webhook-url", "public https:// URL for webhook mode; unset: long polling"},
	{"OKIENKO_TELEGRAM_SECRET", "", "webhook secret token (required in webhook mode)"},
	{"OKIENKO_TELEGRAM_API_URL", "telegram-api", "another Bot API server (default https://api.telegram.org)"},
	{"OKIENKO_REDIS_URL", "redis", "Redis for conversation state (unset: embedded, lost on restart)"},
	{"OKIENKO_REDIS_ADDRS", "", "Sentinel or Cluster: comma-separated host:port list"},
	{"OKIENKO_REDIS_MASTER", "", "with ADDRS: the Sentinel master name (else ADDRS are Cluster nodes)"},
	{"OKIENKO_REDIS_USERNAME", "", "ACL user for ADDRS"},
	{"OKIENKO_REDIS_PASSWORD", "", "password for ADDRS"},
	{"OKIENKO_REDIS_SENTINEL_PASSWORD", "", "password of the Sentinels themselves"},
	{"OKIENKO_REDIS_TLS", "", "true: TLS for ADDRS"},
	{"OKIENKO_REDIS_PREFIX", "", "first part of every key (default okienko)"},
	{"OKIENKO_REDIS_TIMEOUT", "", "how long one Redis command may take before the resident gets an apology (default 3s)"},
	{"OKIENKO_SESSION_IDLE_TTL", "", "a conversation is deleted this long after its last message (default 24h)"},
	{"OKIENKO_CASE_RETENTION", "", "case data kept after its case is closed (default 720h)"},
	{"OKIENKO_SLACK_BOT_TOKEN", "", "Slack bot token (xoxb-…): hand cases to staff in Slack"},
	{"OKIENKO_SLACK_CHANNEL", "", "id of the staff channel (C…) where cases are posted"},
	{"OKIENKO_SLACK_SIGNING_SECRET", "", "verifies Slack's requests to /slack/events and /slack/interactivity"},
	{"OKIENKO_SLACK_APP_TOKEN", "", "xapp- token for Socket Mode (no public URL needed)"},
	{"OKIENKO_SLACK_ONDUTY_GROUP", "", "user group (S…) mentioned on urgent cases"},
	{"OKIENKO_SLACK_SUPERVISOR_GROUP", "", "user group (S…) whose members may take over a case someone else holds"},
	{"OKIENKO_SLACK_REPLY_PREFIX", "", `thread replies starting with it go to the resident (default ">>")`},
	{"OKIENKO_SLACK_CLAIM_REMINDER", "", "remind the channel of an unclaimed case after (default 10m)"},
	{"OKIENKO_SLACK_OFFER_PHONE_AFTER", "", "offer the resident the phone after (default 30m)"},
	{"OKIENKO_SLACK_QUIET_AFTER", "", `the morning round lists claimed cases quiet this long (default 24h; "off")`},
	{"OKIENKO_SLACK_API_URL", "", "another address of Slack's Web API (default https://slack.com/api/)"},
	{"OKIENKO_NEEDS", "", `"off": keep no anonymous daily counts for the needs report`},
	{"OKIENKO_NEEDS_TIMEZONE", "", "the Centre's day for the counts (default Europe/Warsaw)"},
	{"OKIENKO_NEEDS_RETENTION", "", "daily counts kept (default 400d)"},
	{"OKIENKO_NEEDS_QUERY_RETENTION", "", "redacted unmatched queries kept (default 90d)"},
	{"OKIENKO_NEEDS_FLUSH", "", "how often counts are written to Redis (default 1s; 0: at every message)"},
}

// settings are the environment names of serveSettings: what the --config
// file may set (besides the config file itself).
var settings = func() []string {
	var names []string
	for _, s := range serveSettings {
		if s.env != "" && s.env != "OKIENKO_CONFIG" {
			names = append(names, s.env)
		}
	}
	return names
}()

// defaultShutdownTimeout leaves a container runtime's usual grace (compose
// gives 40 s here, Kubernetes 30 s) some room.
const defaultShutdownTimeout = 25 * time.Second

// serveConfig is every setting of `okienko serve`, read once from flags,
// the environment and the --config file (in that order of precedence) and
// checked by loadServeConfig; the rest of serve reads only this.
type serveConfig struct {
	HTTPAddr    string
	MetricsAddr string // "": health and metrics on HTTPAddr
	LogFormat   string // json or text
	LogLevel    slog.Level
	Dialogs     string       // "": ./dialogs if present, else the bundled ones
	Catalog     catalogFlags // files and thesaurus; none: the bundled sample
	// ShutdownTimeout bounds the whole graceful shutdown; its stages share
	// it (see server.Run).
	ShutdownTimeout time.Duration

	Web     bool
	WebChat web.Config

	Telegram    telegram.Config
	TelegramOn  bool
	WebhookPath string // in webhook mode: where Telegram posts updates

	Redis redis.Config // no URL nor Addrs: an embedded server

	Slack   slack.Config
	SlackOn bool

	Needs   redis.NeedsConfig
	NeedsOn bool
}

// embeddedRedis reports that no Redis is configured.
func (c *serveConfig) embeddedRedis() bool { return c.Redis.URL == "" && len(c.Redis.Addrs) == 0 }

// loadServeConfig reads and checks every setting of serve. Mistakes are
// usage errors (exit status 2) or, where the message is printed first,
// exitError{1}; -h gives a nil config and no error.
func loadServeConfig(args []string, io stdio) (*serveConfig, error) {
	getenv, err := configEnv(args, io)
	if err != nil {
		return nil, err
	}
	envOr := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	cfg := &serveConfig{Catalog: catalogFlags{getenv: getenv}}
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.err)
	fl.Usage = func() {
		fmt.Fprint(io.err, serveUsage())
		fl.PrintDefaults()
	}
	fl.String("config", "", "YAML file of settings (env OKIENKO_CONFIG); the environment wins over it")
	fl.StringVar(&cfg.Dialogs, "dialogs", "", "folder of dialog scripts (default: ./dialogs if present, else the bundled ones)")
	webhookURL := fl.String("webhook-url", getenv("OKIENKO_TELEGRAM_WEBHOOK_URL"), "public https:// URL Telegram posts updates to; empty: long polling (env OKIENKO_TELEGRAM_WEBHOOK_URL)")
	fl.StringVar(&cfg.HTTPAddr, "http", envOr("OKIENKO_HTTP_ADDR", "127.0.0.1:8080"), "address the HTTP server (web chat, webhooks, health) listens on (env OKIENKO_HTTP_ADDR)")
	apiURL := fl.String("telegram-api", getenv("OKIENKO_TELEGRAM_API_URL"), "Bot API server, e.g. a self-hosted one (default https://api.telegram.org; env OKIENKO_TELEGRAM_API_URL)")
	var webOn bool
	switch v := strings.ToLower(envOr("OKIENKO_WEB", "on")); v {
	case "on", "true", "yes", "1":
		webOn = true
	case "off", "false", "no", "0": // "web: false" in the --config file too
	default:
		return nil, usageError(fmt.Sprintf("OKIENKO_WEB %q: use on or off", v))
	}
	fl.BoolVar(&cfg.Web, "web", webOn, "serve the web chat (env OKIENKO_WEB=off turns it off)")
	verbose := fl.Bool("v", false, "log debug details")
	fl.StringVar(&cfg.LogFormat, "log-format", envOr("OKIENKO_LOG_FORMAT", "json"), "json or text (env OKIENKO_LOG_FORMAT); logs never carry message text, tokens or phone numbers")
	cfg.Catalog.register(fl)
	stf := storeFlags{getenv: getenv}
	stf.register(fl)
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil
		}
		return nil, usageError(err.Error())
	}
	if fl.NArg() > 0 {
		return nil, usageError("serve takes no arguments")
	}
	cfg.Catalog.resolve()
	if cfg.Telegram, cfg.TelegramOn, cfg.WebhookPath, err = telegramConfig(getenv, *webhookURL, *apiURL, io); err != nil {
		return nil, err
	}
	if !cfg.TelegramOn && !cfg.Web {
		fmt.Fprint(io.err, "okienko serve: no channel to serve: the web chat is off and Telegram is not configured (OKIENKO_TELEGRAM_TOKEN).\n\n"+serveUsage())
		return nil, exitError{1}
	}
	if cfg.WebChat, err = webConfig(getenv); err != nil {
		return nil, usageError(err.Error())
	}
	cfg.MetricsAddr = strings.TrimSpace(getenv("OKIENKO_METRICS_ADDR"))
	cfg.LogLevel = slog.LevelInfo
	if *verbose {
		cfg.LogLevel = slog.LevelDebug
	}
	if cfg.LogFormat != "json" && cfg.LogFormat != "text" {
		return nil, usageError(fmt.Sprintf("--log-format %q: use json or text", cfg.LogFormat))
	}
	cfg.ShutdownTimeout = defaultShutdownTimeout
	if v := strings.TrimSpace(getenv("OKIENKO_SHUTDOWN_TIMEOUT")); v != "" {
		if cfg.ShutdownTimeout, err = time.ParseDuration(v); err != nil || cfg.ShutdownTimeout < time.Second {
			return nil, usageError(fmt.Sprintf("OKIENKO_SHUTDOWN_TIMEOUT %q: want a duration of at least 1s, e.g. 25s", v))
		}
	}
	if cfg.Redis, err = storeConfigFromEnv(stf.url, getenv); err != nil {
		return nil, err
	}
	if cfg.Web && cfg.WebChat.Secret == nil && !cfg.embeddedRedis() {
		// A shared Redis means replicas or restarts: without one secret for
		// all of them, a resident's cookie names another chat on each.
		fmt.Fprintln(io.err, "okienko serve: the web chat with a shared Redis needs OKIENKO_WEB_SECRET (32+ characters, the same on every replica), e.g. from: openssl rand -hex 32")
		return nil, exitError{1}
	}
	if cfg.Slack, cfg.SlackOn, err = slackConfigFromEnv(getenv); err != nil {
		return nil, usageError(err.Error())
	}
	if cfg.Needs, cfg.NeedsOn, err = needsConfigFromEnv(getenv); err != nil {
		return nil, err
	}
	return cfg, nil
}

// configEnv returns the settings lookup for a run: the environment, over
// the YAML file named by --config (or OKIENKO_CONFIG) in args, if any.
// Problems in the file are printed as path:line:col and fail the run.
func configEnv(args []string, io stdio) (func(string) string, error) {
	path := os.Getenv("OKIENKO_CONFIG")
	for i, a := range args {
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "config="); ok && strings.HasPrefix(a, "-") {
			path = v
		} else if (a == "--config" || a == "-config") && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path == "" {
		return os.Getenv, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	file := map[string]string{}
	pos, probs := yamlfile.Decode(path, data, &file, yamlfile.Options{})
	keys := make([]string, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(settings, "OKIENKO_"+strings.ToUpper(k)) {
			p := pos.At(k + "#key")
			probs = append(probs, yamlfile.Newf(path, p.Line, p.Column, "unknown setting %q (see the configuration table in the README)", k))
		}
	}
	for _, p := range probs {
		fmt.Fprintln(io.err, p)
	}
	if probs.Errors() > 0 {
		return nil, fmt.Errorf("config %s has %d errors", path, probs.Errors())
	}
	return func(name string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return file[strings.ToLower(strings.TrimPrefix(name, "OKIENKO_"))]
	}, nil
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
	if v := strings.TrimSpace(getenv("OKIENKO_TELEGRAM_PER_CHAT_INTERVAL")); v != "" {
		if cfg.PerChatInterval, err = time.ParseDuration(v); err != nil || cfg.PerChatInterval <= 0 {
			return cfg, false, "", usageError(fmt.Sprintf("OKIENKO_TELEGRAM_PER_CHAT_INTERVAL %q: want a duration such as 1s", v))
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

// serveUsage is serve's help text; its list of settings is serveSettings.
func serveUsage() string {
	var b strings.Builder
	b.WriteString(`usage: okienko serve [flags]

Serves residents on the web chat (http://127.0.0.1:8080/ by default) and,
when configured, on Telegram; hands cases to staff in Slack when configured.
With no configuration at all it runs on an embedded Redis with the bundled
dialogs and catalogue. Configure with environment variables (the flags, where
there is one, win over them):
`)
	for _, s := range serveSettings {
		if s.env == "" {
			continue
		}
		fmt.Fprintf(&b, "  %-34s %s\n", s.env, s.usage)
	}
	b.WriteString(`
Any of these may also come from a YAML file given with --config FILE (or
OKIENKO_CONFIG), named in lower case without OKIENKO_ (redis_url: ...); the
environment wins over the file.

Examples:
  okienko serve                                   # web chat on http://127.0.0.1:8080/
  OKIENKO_TELEGRAM_TOKEN=123456:ABC... okienko serve

`)
	return b.String()
}
