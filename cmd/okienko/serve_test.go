package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"okienko/bot/logtest"
	"okienko/bot/redis/redistest"
	"okienko/bot/telegram/telegramtest"
)

const serveToken = "7012345678:AAF-serveSecret_0123456789abcdefghij"

func TestServeWithoutAnyChannelSaysSo(t *testing.T) {
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", "")
	var out, errOut bytes.Buffer
	err := runServe(context.Background(), []string{"--web=false"}, stdio{in: strings.NewReader(""), out: &out, err: &errOut})
	if exitCode(err) != 1 || !strings.Contains(errOut.String(), "no channel to serve") || !strings.Contains(errOut.String(), "OKIENKO_TELEGRAM_TOKEN=") {
		t.Errorf("exit %d, stderr %q", exitCode(err), errOut.String())
	}
}

func TestServeWebhookNeedsHTTPSAndSecret(t *testing.T) {
	srv := telegramtest.New(t, serveToken)
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", serveToken)
	t.Setenv("OKIENKO_TELEGRAM_API_URL", srv.URL)
	t.Setenv("OKIENKO_TELEGRAM_SECRET", "")
	for _, tc := range []struct {
		url  string
		code int
		says string
	}{
		{"http://okienko.example/tg", 2, "https://"},
		{"https://okienko.example/tg", 1, "OKIENKO_TELEGRAM_SECRET"},
	} {
		t.Setenv("OKIENKO_TELEGRAM_WEBHOOK_URL", tc.url)
		var errOut bytes.Buffer
		err := runServe(context.Background(), nil, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &errOut})
		if exitCode(err) != tc.code || !strings.Contains(errOut.String()+errString(err), tc.says) {
			t.Errorf("%s: exit %d (%v), stderr %q", tc.url, exitCode(err), err, errOut.String())
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestServePollsTelegram(t *testing.T) {
	srv := telegramtest.New(t, serveToken)
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", serveToken)
	t.Setenv("OKIENKO_TELEGRAM_API_URL", srv.URL)
	t.Setenv("OKIENKO_TELEGRAM_WEBHOOK_URL", "")
	errOut := &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--dialogs", "../../dialogs", "--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: errOut})
	}()
	srv.PrivateText(77, "pl", "/start")
	ms := srv.WaitMessages(t, 77, 1, 10*time.Second)
	if !strings.Contains(ms[0].Text, "Jestem Okienko") {
		t.Errorf("reply %q", ms[0].Text)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs := errOut.String()
	if !strings.Contains(logs, "@"+telegramtest.BotUsername) || strings.Contains(logs, "serveSecret") {
		t.Errorf("stderr:\n%s", logs)
	}
}

// TestServeWebChatWithNoConfiguration: with nothing configured, serve
// answers a resident on the web chat (embedded Redis, bundled dialogs and
// catalogue), counts the message in /metrics, and stops cleanly.
func TestServeWebChatWithNoConfiguration(t *testing.T) {
	for _, name := range settings {
		t.Setenv(name, "")
	}
	errOut := &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: errOut})
	}()
	var base string
	deadline := time.Now().Add(20 * time.Second)
	for base == "" {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not say where the web chat is:\n%s", errOut)
		}
		if _, rest, ok := strings.Cut(errOut.String(), "web chat on "); ok {
			base, _, _ = strings.Cut(rest, "/;")
		}
		time.Sleep(20 * time.Millisecond)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := client.Get(base + "/api/chat/session")
	if err != nil {
		t.Fatal(err)
	}
	var sess struct{ CSRF string }
	if err := json.NewDecoder(res.Body).Decode(&sess); err != nil || sess.CSRF == "" {
		t.Fatalf("session: %v %+v", err, sess)
	}
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/chat/messages", strings.NewReader(`{"id":"msg-00000001","text":"Nie mam pieniędzy na jedzenie"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	req.Header.Set("X-Okienko-Csrf", sess.CSRF)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "replies") || strings.Contains(string(body), "Przepraszamy") {
		t.Errorf("message: %d %s", res.StatusCode, body)
	}
	res, err = client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`okienko_messages_in_total{channel="web"} 1`, "okienko_web_streams_open 0", "go_goroutines ", "process_open_fds "} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("metrics lack %s:\n%s", want, metricsText)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, says := range []string{"Telegram is not configured", "Slack is not configured", "no Redis configured"} {
		if !strings.Contains(errOut.String(), says) {
			t.Errorf("start-up does not say %q:\n%s", says, errOut)
		}
	}
	if strings.Contains(errOut.String(), "Nie mam") {
		t.Errorf("message text in the logs:\n%s", errOut)
	}
}

// TestServeWebChatWithSharedRedisNeedsASecret: with a real Redis (so
// replicas or restarts), the web chat refuses to start without the secret
// that keeps chat ids the same on every replica.
func TestServeWebChatWithSharedRedisNeedsASecret(t *testing.T) {
	rs := redistest.Start(t)
	for _, name := range settings {
		t.Setenv(name, "")
	}
	t.Setenv("OKIENKO_REDIS_URL", rs.URL())
	var errOut bytes.Buffer
	err := runServe(context.Background(), []string{"--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &errOut})
	if exitCode(err) != 1 || !strings.Contains(errOut.String(), "needs OKIENKO_WEB_SECRET") {
		t.Errorf("exit %d (%v), stderr %q", exitCode(err), err, errOut.String())
	}
}
