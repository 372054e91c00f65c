package main

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"okienko/bot/yamlfile"
)

// settings are the names `okienko serve` reads from the environment, which
// an optional YAML file (--config, OKIENKO_CONFIG) may also set: the file
// uses the same names in lower case without the OKIENKO_ prefix
// (redis_url: redis://…). The environment wins over the file, so secrets
// can stay out of it.
var settings = []string{
	"OKIENKO_TELEGRAM_TOKEN", "OKIENKO_TELEGRAM_WEBHOOK_URL", "OKIENKO_TELEGRAM_SECRET", "OKIENKO_TELEGRAM_API_URL",
	"OKIENKO_TELEGRAM_RATE", "OKIENKO_TELEGRAM_PER_CHAT_INTERVAL",
	"OKIENKO_HTTP_ADDR", "OKIENKO_METRICS_ADDR", "OKIENKO_LOG_FORMAT",
	"OKIENKO_WEB", "OKIENKO_WEB_SECRET", "OKIENKO_WEB_ORIGINS", "OKIENKO_WEB_BEHIND_PROXY", "OKIENKO_WEB_RATE",
	"OKIENKO_WEB_PUBLIC_URL", "OKIENKO_WEB_MAX_STREAMS",
	"OKIENKO_REDIS_URL", "OKIENKO_REDIS_ADDRS", "OKIENKO_REDIS_MASTER", "OKIENKO_REDIS_USERNAME",
	"OKIENKO_REDIS_PASSWORD", "OKIENKO_REDIS_SENTINEL_PASSWORD", "OKIENKO_REDIS_TLS", "OKIENKO_REDIS_PREFIX",
	"OKIENKO_SESSION_IDLE_TTL", "OKIENKO_CASE_RETENTION",
	"OKIENKO_CATALOG", "OKIENKO_THESAURUS",
	"OKIENKO_SLACK_BOT_TOKEN", "OKIENKO_SLACK_SIGNING_SECRET", "OKIENKO_SLACK_APP_TOKEN", "OKIENKO_SLACK_CHANNEL",
	"OKIENKO_SLACK_ONDUTY_GROUP", "OKIENKO_SLACK_REPLY_PREFIX", "OKIENKO_SLACK_API_URL", "OKIENKO_SLACK_CLAIM_REMINDER",
	"OKIENKO_SLACK_OFFER_PHONE_AFTER", "OKIENKO_SLACK_QUIET_AFTER",
	"OKIENKO_NEEDS", "OKIENKO_NEEDS_TIMEZONE", "OKIENKO_NEEDS_RETENTION", "OKIENKO_NEEDS_QUERY_RETENTION", "OKIENKO_NEEDS_FLUSH",
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
