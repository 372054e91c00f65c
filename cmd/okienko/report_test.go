package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"okienko/bot/needs"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
)

// seedNeeds counts facts in a real Redis as `okienko serve` would: today,
// three days ago and forty days ago.
func seedNeeds(t *testing.T, url string) (today time.Time) {
	t.Helper()
	st, err := redis.New(context.Background(), redis.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, _, err := needsConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.FlushEvery = 0
	n, err := redis.NewNeeds(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(cfg.Location)
	for _, day := range []struct {
		ago   int
		facts []needs.Fact
	}{
		{0, []needs.Fact{{Kind: needs.Conversation, Value: "pl"}, {Kind: needs.Topic, Topic: "seniorzy"}, {Kind: needs.Search, Topic: "seniorzy"},
			{Kind: needs.Suggested, Value: "uslugi-opiekuncze"}, {Kind: needs.Rating, Value: "5"}}},
		{0, []needs.Fact{{Kind: needs.Conversation, Value: "uk"}, {Kind: needs.Search}, needs.UnmatchedQuery("", "remont mieszkania, tel. 501 234 567")}},
		{3, []needs.Fact{{Kind: needs.Conversation, Value: "pl"}, {Kind: needs.Search}, needs.UnmatchedQuery("", "remontu mieszkań po pożarze")}},
		{3, []needs.Fact{{Kind: needs.Crisis, Value: "samobojstwo"}, {Kind: needs.Case, Urgency: "urgent"}, {Kind: needs.Claimed, Wait: 4 * time.Minute}}},
		{40, []needs.Fact{{Kind: needs.Conversation, Value: "en"}, {Kind: needs.Search}, needs.UnmatchedQuery("", "old need")}},
	} {
		if err := n.Count(context.Background(), now.AddDate(0, 0, -day.ago), "", day.facts); err != nil {
			t.Fatal(err)
		}
	}
	return now
}

func TestReportFromRedis(t *testing.T) {
	t.Setenv("OKIENKO_REDIS_URL", "")
	srv := redistest.Start(t)
	today := seedNeeds(t, srv.URL())

	var r needs.Report
	out := runOK(t, "", "report", "--redis", srv.URL(), "--since", "7d", "--format", "json")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	if r.Days != 7 || r.To != today.Format(time.DateOnly) || r.From != today.AddDate(0, 0, -6).Format(time.DateOnly) {
		t.Errorf("period %s – %s (%d days), want the 7 days up to today", r.From, r.To, r.Days)
	}
	want := needs.Totals{Conversations: 3, Searches: 3, Unmatched: 2, Crises: 1, Cases: 1, UrgentCases: 1, Claimed: 1, Ratings: 1, Suggested: 1}
	if r.Totals != want {
		t.Errorf("totals %+v, want %+v (the day 40 days ago is outside the period)", r.Totals, want)
	}
	if len(r.Unmet) == 0 || r.Unmet[0].Queries != 2 || !strings.Contains(strings.Join(r.Unmet[0].Forms, ","), "mieszkania") {
		t.Errorf("unmet needs %+v: want the two inflected queries about flats in one group", r.Unmet)
	}
	for _, q := range r.UnmatchedQueries {
		if strings.Contains(q.Text, "501") {
			t.Errorf("a phone number in the report: %q", q.Text)
		}
	}
	if len(r.Topics) != 1 || r.Topics[0].Label != "Senior i opieka" {
		t.Errorf("topics %+v: want the bundled dialogs' label", r.Topics)
	}
	if len(r.ServicesMost) != 1 || r.ServicesMost[0].Label != "Usługi opiekuńcze w miejscu zamieszkania" {
		t.Errorf("services %+v: want the catalogue's name", r.ServicesMost)
	}
	if len(r.ServicesNever) < 50 {
		t.Errorf("%d services never suggested; the sample catalogue has 58 and one was", len(r.ServicesNever))
	}
	if r.Title == "" {
		t.Error("no title: want the dialogs' centre name")
	}

	md := runOK(t, "", "report", "--redis", srv.URL())
	for _, s := range []string{"# Raport potrzeb mieszkańców", "## Niezaspokojone potrzeby", "remont"} {
		if !strings.Contains(md, s) {
			t.Errorf("the Markdown report lacks %q:\n%s", s, md)
		}
	}

	rows, err := csv.NewReader(strings.NewReader(runOK(t, "", "report", "--redis", srv.URL(), "--format", "csv"))).ReadAll()
	if err != nil || len(rows) < 10 || rows[0][0] != "sekcja" {
		t.Errorf("CSV: %d rows, %v", len(rows), err)
	}

	file := filepath.Join(t.TempDir(), "raport.html")
	if out := runOK(t, "", "report", "--redis", srv.URL(), "--since", today.AddDate(0, 0, -45).Format(time.DateOnly), "--format", "html", "--out", file); out != "" {
		t.Errorf("with --out, standard output has %q", out)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(page), "<!DOCTYPE html>") || !strings.Contains(string(page), "old need") {
		t.Errorf("the HTML file is not the 46-day report:\n%.300s", page)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".okienko-report-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestReportPostsSummaryToSlack: --slack posts the summary to the staff
// channel of a Slack Web API on loopback, and writes no report unless
// --out says where.
func TestReportPostsSummaryToSlack(t *testing.T) {
	t.Setenv("OKIENKO_REDIS_URL", "")
	srv := redistest.Start(t)
	seedNeeds(t, srv.URL())
	var mu sync.Mutex
	var posted []url.Values
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("Authorization")
		if err := r.ParseForm(); err == nil && token == "" {
			token = "Bearer " + r.PostForm.Get("token")
		}
		if r.URL.Path != "/chat.postMessage" || token != "Bearer xoxb-report-test" {
			http.Error(w, "unexpected call", http.StatusBadRequest)
			return
		}
		mu.Lock()
		posted = append(posted, r.PostForm)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"channel":"CSTAFF","ts":"1700000000.000100"}`)
	}))
	defer api.Close()
	for k, v := range map[string]string{"OKIENKO_SLACK_BOT_TOKEN": "xoxb-report-test", "OKIENKO_SLACK_CHANNEL": "CSTAFF",
		"OKIENKO_SLACK_SIGNING_SECRET": "secret", "OKIENKO_SLACK_API_URL": api.URL + "/"} {
		t.Setenv(k, v)
	}
	out, errOut, err := runCapture("", "report", "--redis", srv.URL(), "--since", "7d", "--slack")
	if err != nil {
		t.Fatalf("report --slack: %v\n%s", err, errOut)
	}
	if out != "" || !strings.Contains(errOut, "posted the summary") || strings.Contains(errOut, "xoxb-report-test") {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 1 || posted[0].Get("channel") != "CSTAFF" || !strings.Contains(posted[0].Get("text"), "• Rozmowy: 3") ||
		!strings.Contains(posted[0].Get("text"), "remont") {
		t.Errorf("posted %v; want the summary of the 7 days once", posted)
	}

	t.Setenv("OKIENKO_SLACK_BOT_TOKEN", "")
	t.Setenv("OKIENKO_SLACK_CHANNEL", "")
	if _, _, err := runCapture("", "report", "--redis", srv.URL(), "--slack"); exitCode(err) != 2 || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("--slack without Slack: %v", err)
	}
}

func TestReportMistakesAreUsageErrors(t *testing.T) {
	t.Setenv("OKIENKO_REDIS_URL", "")
	t.Setenv("OKIENKO_REDIS_ADDRS", "")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no Redis", []string{"report"}, "--redis"},
		{"bad period", []string{"report", "--redis", "redis://127.0.0.1:1", "--since", "month"}, "--since"},
		{"period after its end", []string{"report", "--redis", "redis://127.0.0.1:1", "--since", "2026-12-01", "--until", "2026-11-01"}, "after the last day"},
		{"bad end", []string{"report", "--redis", "redis://127.0.0.1:1", "--until", "yesterday"}, "--until"},
		{"bad format", []string{"report", "--redis", "redis://127.0.0.1:1", "--format", "pdf"}, "markdown, csv, json or html"},
		{"argument", []string{"report", "raport.html"}, "no arguments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCapture("", tt.args...)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v (exit %d); want a usage error mentioning %q", err, exitCode(err), tt.want)
			}
		})
	}
}

func TestReportRedisDownIsAnError(t *testing.T) {
	t.Setenv("OKIENKO_REDIS_URL", "")
	srv := redistest.Start(t)
	srv.Kill()
	_, _, err := runCapture("", "report", "--redis", srv.URL())
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "read the counters") {
		t.Errorf("err %v; want exit 1 saying the counters could not be read", err)
	}
}

func TestNeedsSettings(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		on   bool
		want redis.NeedsConfig
		err  string
	}{
		{name: "defaults", on: true, want: redis.NeedsConfig{FlushEvery: time.Second}},
		{name: "off", env: map[string]string{"OKIENKO_NEEDS": "off"}, want: redis.NeedsConfig{FlushEvery: time.Second}},
		{name: "retentions", on: true, env: map[string]string{"OKIENKO_NEEDS_RETENTION": "730d", "OKIENKO_NEEDS_QUERY_RETENTION": "4w", "OKIENKO_NEEDS_FLUSH": "0"},
			want: redis.NeedsConfig{CounterRetention: 730 * 24 * time.Hour, QueryRetention: 28 * 24 * time.Hour}},
		{name: "retention in hours", on: true, env: map[string]string{"OKIENKO_NEEDS_QUERY_RETENTION": "2160h"},
			want: redis.NeedsConfig{QueryRetention: 90 * 24 * time.Hour, FlushEvery: time.Second}},
		{name: "bad switch", env: map[string]string{"OKIENKO_NEEDS": "maybe"}, err: "OKIENKO_NEEDS"},
		{name: "bad zone", env: map[string]string{"OKIENKO_NEEDS_TIMEZONE": "Mars/Olympus"}, err: "OKIENKO_NEEDS_TIMEZONE"},
		{name: "bad retention", env: map[string]string{"OKIENKO_NEEDS_RETENTION": "90m"}, err: "OKIENKO_NEEDS_RETENTION"},
		{name: "bad flush", env: map[string]string{"OKIENKO_NEEDS_FLUSH": "2h"}, err: "OKIENKO_NEEDS_FLUSH"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, on, err := needsConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err %v; want a usage error about %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Location == nil || cfg.Location.String() != "Europe/Warsaw" {
				t.Errorf("zone %v, want Europe/Warsaw", cfg.Location)
			}
			cfg.Location = nil
			if on != tt.on || cfg != tt.want {
				t.Errorf("got %+v on=%v, want %+v on=%v", cfg, on, tt.want, tt.on)
			}
		})
	}
}

func TestPeriodStart(t *testing.T) {
	loc := time.UTC
	last := time.Date(2026, 11, 25, 15, 0, 0, 0, loc)
	for in, want := range map[string]string{"30d": "2026-10-27", "1d": "2026-11-25", "2w": "2026-11-12", "720h": "2026-10-27", "2026-10-01": "2026-10-01"} {
		got, err := periodStart(in, last, loc)
		if err != nil || got.Format(time.DateOnly) != want {
			t.Errorf("periodStart(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"0d", "-3d", "1.5d", "90m", "", "forever", "9999d"} {
		if _, err := periodStart(bad, last, loc); err == nil {
			t.Errorf("periodStart(%q) accepted", bad)
		}
	}
}
