package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the Centre's time zone even where the system has no zone database (distroless, Windows)

	"okienko/bot/needs"
	"okienko/bot/redis"
	"okienko/bot/script"
	"okienko/bot/slack"
	catbleve "okienko/catalog/bleve"
)

// runReport writes the needs report for the Centre's staff from the daily
// counters `okienko serve` keeps in Redis: volumes and trends, unmet needs
// (unmatched queries grouped by stem), crises, cases, time to claim,
// ratings, the services suggested most and least.
func runReport(ctx context.Context, args []string, io stdio) error {
	getenv, err := configEnv(args, io)
	if err != nil {
		return err
	}
	fl := flag.NewFlagSet("report", flag.ContinueOnError)
	fl.SetOutput(io.err)
	fl.Usage = func() {
		fmt.Fprint(io.err, reportUsage)
		fl.PrintDefaults()
	}
	fl.String("config", "", "YAML file of settings (env OKIENKO_CONFIG); the environment wins over it")
	since := fl.String("since", "30d", "the period: the last N days (30d) or weeks (12w) up to today, or from a date (2026-10-01)")
	until := fl.String("until", "", "the last day of the period, YYYY-MM-DD (default today)")
	format := fl.String("format", "markdown", "markdown, csv, json or html")
	outPath := fl.String("out", "", "write the report to FILE instead of standard output")
	dir := fl.String("dialogs", "", "folder of dialog scripts, for the names of topics (default: ./dialogs if present, else the bundled ones)")
	title := fl.String("title", "", "the Centre's name on the report (default: the dialogs' centre name)")
	toSlack := fl.Bool("slack", false, "post a short summary to the staff channel in Slack (the OKIENKO_SLACK_* settings of serve); the report itself is then written only with --out")
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
		return usageError("report takes no arguments; see okienko report -h")
	}
	f, err := needs.ParseFormat(*format)
	if err != nil {
		return usageError("--format: " + err.Error())
	}
	ncfg, _, err := needsConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	ncfg.FlushEvery = 0 // reading only
	now := time.Now().In(ncfg.Location)
	to := now
	if *until != "" {
		if to, err = time.ParseInLocation(time.DateOnly, *until, ncfg.Location); err != nil {
			return usageError(fmt.Sprintf("--until %q: want a date such as 2026-11-30", *until))
		}
	}
	from, err := periodStart(*since, to, ncfg.Location)
	if err != nil {
		return err
	}
	var slackCfg slack.Config
	if *toSlack {
		var on bool
		slackCfg, on, err = slackConfigFromEnv(getenv)
		if err != nil {
			return usageError(err.Error())
		}
		if !on {
			return usageError("--slack: Slack is not configured (OKIENKO_SLACK_BOT_TOKEN, OKIENKO_SLACK_CHANNEL)")
		}
	}
	rcfg, err := storeConfigFromEnv(stf.url, getenv)
	if err != nil {
		return err
	}
	if rcfg.URL == "" && len(rcfg.Addrs) == 0 {
		return usageError("okienko report reads the counters `okienko serve` keeps in Redis: name it with --redis redis://HOST:6379 or OKIENKO_REDIS_URL")
	}

	logger := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sc, err := loadScript(openDialogs(*dir), io, false)
	if err != nil {
		return err
	}
	c, _, err := cat.load(io)
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	store, err := stf.open(ctx, io, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	ncfg.AggregateEvery = -1 // a report only reads; serve aggregates
	counters, err := redis.NewNeeds(store.Store, ncfg)
	if err != nil {
		return err
	}
	days, err := counters.Days(ctx, from, to)
	if err != nil {
		return fmt.Errorf("read the counters from %s: %w", store.where, err)
	}

	opt := needs.Options{
		From: from, To: to, Generated: now, Title: *title,
		TopicLabels: topicLabels(sc), ServiceNames: map[string]string{}, Stems: catbleve.Stems,
	}
	if opt.Title == "" {
		opt.Title = sc.Centre.Name
	}
	for _, s := range c.Services {
		opt.ServiceNames[s.ID] = s.Name
	}
	r := needs.Build(days, opt)
	if *outPath != "" {
		if err := writeFileAtomically(*outPath, func(w *os.File) error { return r.Render(w, f) }); err != nil {
			return err
		}
	} else if !*toSlack {
		return r.Render(io.out, f)
	}
	if *toSlack {
		var b strings.Builder
		if err := r.WriteSlackSummary(&b); err != nil {
			return err
		}
		ts, err := slack.PostSummary(ctx, slackCfg, b.String())
		if err != nil {
			return err
		}
		fmt.Fprintf(io.err, "okienko: posted the summary to the Slack channel %s (message %s)\n", slackCfg.Channel, ts)
	}
	return nil
}

const reportUsage = `usage: okienko report [--since 30d] [--until DATE] [--format markdown|csv|json|html] [--out FILE] [--slack]

Writes the report of residents' needs from the anonymous daily counters that
okienko serve keeps in Redis (the same --redis / OKIENKO_REDIS_* settings):
conversations by topic and language with their trend, searches the catalogue
had no good answer to grouped by word (unmet needs), crises, cases for staff
and how soon they were taken, residents' ratings, services suggested most,
least and never. The HTML form is one self-contained page with charts.

Examples:
  okienko report --redis redis://localhost:6379
  okienko report --since 12w --format html --out raport.html
  okienko report --since 2026-10-01 --until 2026-10-31 --format csv --out pazdziernik.csv
  okienko report --since 7d --slack        # weekly, from cron: a summary for the staff channel

`

// periodStart reads --since: N days or weeks up to and including the last
// day, or a first date.
func periodStart(since string, last time.Time, loc *time.Location) (time.Time, error) {
	since = strings.TrimSpace(since)
	if t, err := time.ParseInLocation(time.DateOnly, since, loc); err == nil {
		if t.After(last) {
			return time.Time{}, usageError(fmt.Sprintf("--since %s is after the last day %s", since, last.Format(time.DateOnly)))
		}
		return t, nil
	}
	days, err := parseDays(since)
	if err != nil || days < 1 || days > 3660 {
		return time.Time{}, usageError(fmt.Sprintf("--since %q: want a number of days or weeks (30d, 12w) or a date (2026-10-01)", since))
	}
	return last.AddDate(0, 0, -(days - 1)), nil
}

// parseDays reads "30d", "12w" or a Go duration of whole days ("720h").
func parseDays(s string) (int, error) {
	for suffix, mult := range map[string]int{"d": 1, "w": 7} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			return v * mult, err
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d%(24*time.Hour) != 0 {
		return 0, errors.New("not whole days")
	}
	return int(d / (24 * time.Hour)), nil
}

// topicLabels names the topics of the dialogs: the values the choices set
// in the variable the script's handoff takes its topic from ("seniorzy" →
// "Senior i opieka").
func topicLabels(sc *script.Script) map[string]string {
	topicVar := ""
	for _, id := range sc.Order {
		if st := sc.Steps[id]; st != nil && st.Handoff != nil {
			topicVar = st.Handoff.Topic
			break
		}
	}
	labels := map[string]string{}
	if topicVar == "" {
		return labels
	}
	for _, id := range sc.Order {
		st := sc.Steps[id]
		if st == nil {
			continue
		}
		for _, ch := range st.Choices {
			if v, ok := ch.Set[topicVar]; ok && v != "" && labels[v] == "" {
				labels[v] = ch.Label.In(script.Polish)
			}
		}
	}
	return labels
}

// writeFileAtomically writes a file through a temporary one in the same
// folder, so that a reader never sees half a report.
func writeFileAtomically(path string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".okienko-report-*")
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// needsConfigFromEnv reads the needs report's settings, for `okienko
// serve` (which counts) and `okienko report` (which reads):
//
//	OKIENKO_NEEDS                 "off" turns counting off (default on)
//	OKIENKO_NEEDS_TIMEZONE        the Centre's time zone for days (default Europe/Warsaw)
//	OKIENKO_NEEDS_RETENTION       how long daily counters are kept (default 400d)
//	OKIENKO_NEEDS_QUERY_RETENTION how long unmatched queries are kept (default 90d)
//	OKIENKO_NEEDS_FLUSH           how often counts are written to Redis (default 1s; 0: at every message)
func needsConfigFromEnv(getenv func(string) string) (cfg redis.NeedsConfig, on bool, err error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	switch strings.ToLower(env("OKIENKO_NEEDS")) {
	case "", "on", "true", "1":
		on = true
	case "off", "false", "0":
	default:
		return cfg, false, usageError(fmt.Sprintf("OKIENKO_NEEDS %q: want on or off", env("OKIENKO_NEEDS")))
	}
	tz := env("OKIENKO_NEEDS_TIMEZONE")
	if tz == "" {
		tz = "Europe/Warsaw"
	}
	if cfg.Location, err = time.LoadLocation(tz); err != nil {
		return cfg, false, usageError(fmt.Sprintf("OKIENKO_NEEDS_TIMEZONE %q: want a zone such as Europe/Warsaw", tz))
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"OKIENKO_NEEDS_RETENTION", &cfg.CounterRetention}, {"OKIENKO_NEEDS_QUERY_RETENTION", &cfg.QueryRetention}} {
		if v := env(d.name); v != "" {
			days, err := parseDays(v)
			if err != nil || days < 1 {
				return cfg, false, usageError(fmt.Sprintf("%s %q: want a number of days (400d), weeks (13w) or hours (2160h)", d.name, v))
			}
			*d.to = time.Duration(days) * 24 * time.Hour
		}
	}
	cfg.FlushEvery = time.Second
	if v := env("OKIENKO_NEEDS_FLUSH"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Hour {
			return cfg, false, usageError(fmt.Sprintf("OKIENKO_NEEDS_FLUSH %q: want a duration up to 1h, e.g. 1s (0: write at every message)", v))
		}
		cfg.FlushEvery = d
	}
	return cfg, on, nil
}
