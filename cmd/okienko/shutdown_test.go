package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot/logtest"
	"okienko/bot/needs"
	"okienko/bot/redis/redistest"
	"okienko/bot/slack/slackfake"
	"okienko/bot/telegram/telegramtest"
)

// hangingSends puts a proxy in front of the fake Bot API that forwards
// every call but sendMessage, which it holds until the test ends: a Bot
// API that hangs. It returns the proxy's URL and the number of sends held.
func hangingSends(t *testing.T, api *telegramtest.Server) (string, *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	release := make(chan struct{})
	var held atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/sendMessage") {
			held.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			http.Error(w, "held", http.StatusBadGateway)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	t.Cleanup(func() { close(release) }) // runs first: the held calls end
	return proxy.URL, &held
}

// TestServeShutdownKeepsItsBudget: with the Bot API hanging on every send
// and a case waiting in the Slack outbox (Slack was down), a stop ends
// within OKIENKO_SHUTDOWN_TIMEOUT, and within it the outbox is flushed to
// Slack (back up) and the needs counters are written. (Before the shared
// budget, the Telegram stage alone took up to a minute and the flush and
// the counters came after it, or never, when the platform killed the
// process.)
func TestServeShutdownKeepsItsBudget(t *testing.T) {
	rs := redistest.Start(t)
	tg := telegramtest.New(t, serveToken)
	apiURL, held := hangingSends(t, tg)
	const slackToken = "xoxb-shutdown-test"
	sf := slackfake.New(t, slackToken)
	for _, name := range settings {
		t.Setenv(name, "")
	}
	budget := 6 * time.Second
	for k, v := range map[string]string{
		"OKIENKO_TELEGRAM_TOKEN":       serveToken,
		"OKIENKO_TELEGRAM_API_URL":     apiURL,
		"OKIENKO_WEB":                  "off",
		"OKIENKO_REDIS_URL":            rs.URL(),
		"OKIENKO_SLACK_BOT_TOKEN":      slackToken,
		"OKIENKO_SLACK_CHANNEL":        "CSTAFF",
		"OKIENKO_SLACK_SIGNING_SECRET": "signing-secret",
		"OKIENKO_SLACK_API_URL":        sf.URL(),
		"OKIENKO_NEEDS_FLUSH":          "1h", // counted in memory until shutdown
		"OKIENKO_SHUTDOWN_TIMEOUT":     budget.String(),
	} {
		t.Setenv(k, v)
	}
	logs := &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--dialogs", "../../dialogs", "--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: logs})
	}()
	waitFor(t, logs, "serving residents", done)
	sf.Down(http.StatusServiceUnavailable, 0)
	tg.PrivateText(501, "pl", "nie chce juz zyc")
	// The crisis answer hangs in sendMessage; the case's card fails on
	// Slack's 503 and waits in the outbox.
	waitUntilTrue(t, "a send held and a card refused", done, func() bool {
		return held.Load() > 0 && len(sf.Calls("chat.postMessage")) > 0
	})
	if n := len(sf.Posts()); n != 0 {
		t.Fatalf("%d cards posted while Slack was down", n)
	}
	// Meanwhile an operator sees the queues on /metrics.
	_, rest, _ := strings.Cut(logs.String(), "health and metrics on ")
	metricsURL, _, _ := strings.Cut(rest, "/metrics")
	res, err := http.Get(metricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^okienko_telegram_queue_length [1-9]`),
		regexp.MustCompile(`(?m)^okienko_slack_outbox_backlog [1-9]`),
		regexp.MustCompile(`(?m)^okienko_cases_open\{status="waiting"\} \d`),
		regexp.MustCompile(`(?m)^go_goroutines \d`),
		regexp.MustCompile(`(?m)^process_resident_memory_bytes \d`),
		regexp.MustCompile(`(?m)^okienko_crisis_total\{group="samobojstwo"\} 1$`),
	} {
		if !want.Match(page) {
			t.Errorf("/metrics lacks %s:\n%s", want, page)
		}
	}
	sf.Up()
	stopped := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, logs)
		}
	case <-time.After(budget + 30*time.Second):
		t.Fatalf("serve did not stop %v after the budget of %v\n%s", 30*time.Second, budget, logs)
	}
	took := time.Since(stopped)
	// The budget is the bound; a second of margin for the goroutines of a
	// busy machine to be scheduled after their deadline.
	if took > budget+time.Second {
		t.Errorf("shutdown took %v, budget %v\n%s", took.Round(time.Millisecond), budget, logs)
	}
	if len(sf.Posts()) == 0 {
		t.Errorf("the case waiting in the outbox was not posted at shutdown (Slack was back)\n%s", logs)
	}
	var r needs.Report
	out := runOK(t, "", "report", "--redis", rs.URL(), "--since", "1d", "--format", "json")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if r.Totals.Crises != 1 || r.Totals.Cases != 1 {
		t.Errorf("needs counters after shutdown: %+v, want the crisis and its case (written at shutdown)\n%s", r.Totals, logs)
	}
	t.Logf("shutdown took %v of its %v budget", took.Round(time.Millisecond), budget)
}

// waitFor waits until logs say s, failing early when serve has ended.
func waitFor(t *testing.T, logs *logtest.Buffer, s string, done chan error) {
	t.Helper()
	waitUntilTrue(t, "serve to say "+s, done, func() bool { return strings.Contains(logs.String(), s) })
}

// waitUntilTrue polls cond until it holds, failing after a minute or when
// serve has ended.
func waitUntilTrue(t *testing.T, what string, done chan error, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		select {
		case err := <-done:
			t.Fatalf("serve ended while waiting for %s: %v", what, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
