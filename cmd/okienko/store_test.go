package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"okienko/bot/logtest"
	"okienko/bot/redis/redistest"
	"okienko/bot/telegram/telegramtest"
)

func TestStoreConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flag    string
		env     map[string]string
		check   func(t *testing.T, url string, addrs []string, master string, cluster bool)
		wantErr string
	}{
		{name: "nothing: embedded", check: func(t *testing.T, url string, addrs []string, _ string, _ bool) {
			if url != "" || len(addrs) != 0 {
				t.Errorf("url %q addrs %q; want none", url, addrs)
			}
		}},
		{name: "env URL", env: map[string]string{"OKIENKO_REDIS_URL": "redis://r:6379/2"}, check: func(t *testing.T, url string, _ []string, _ string, _ bool) {
			if url != "redis://r:6379/2" {
				t.Errorf("url %q", url)
			}
		}},
		{name: "flag wins", flag: "rediss://f:6380", env: map[string]string{"OKIENKO_REDIS_URL": "redis://e:6379", "OKIENKO_REDIS_ADDRS": "a:1,b:2"}, check: func(t *testing.T, url string, addrs []string, _ string, _ bool) {
			if url != "rediss://f:6380" || len(addrs) != 0 {
				t.Errorf("url %q addrs %q", url, addrs)
			}
		}},
		{name: "sentinel", env: map[string]string{"OKIENKO_REDIS_ADDRS": "s1:26379, s2:26379", "OKIENKO_REDIS_MASTER": "okienko"}, check: func(t *testing.T, _ string, addrs []string, master string, cluster bool) {
			if strings.Join(addrs, "|") != "s1:26379|s2:26379" || master != "okienko" || cluster {
				t.Errorf("addrs %q master %q cluster %v", addrs, master, cluster)
			}
		}},
		{name: "cluster", env: map[string]string{"OKIENKO_REDIS_ADDRS": "c1:7000"}, check: func(t *testing.T, _ string, addrs []string, master string, cluster bool) {
			if len(addrs) != 1 || master != "" || !cluster {
				t.Errorf("addrs %q master %q cluster %v", addrs, master, cluster)
			}
		}},
		{name: "URL and ADDRS", env: map[string]string{"OKIENKO_REDIS_URL": "redis://e:6379", "OKIENKO_REDIS_ADDRS": "a:1"}, wantErr: "both set"},
		{name: "not a Redis URL", flag: "http://user:hunter2@h:1", wantErr: "want redis://"},
		{name: "bad TTL", env: map[string]string{"OKIENKO_SESSION_IDLE_TTL": "jutro"}, wantErr: "OKIENKO_SESSION_IDLE_TTL"},
		{name: "TTL too short", env: map[string]string{"OKIENKO_CASE_RETENTION": "5ms"}, wantErr: "OKIENKO_CASE_RETENTION"},
		{name: "bad TLS", env: map[string]string{"OKIENKO_REDIS_ADDRS": "a:1", "OKIENKO_REDIS_TLS": "maybe"}, wantErr: "OKIENKO_REDIS_TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := storeConfigFromEnv(tc.flag, func(name string) string { return tc.env[name] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || exitCode(err) != 2 {
					t.Fatalf("error %v (exit %d); want a usage error containing %q", err, exitCode(err), tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg.URL, cfg.Addrs, cfg.MasterName, cfg.Cluster)
		})
	}
	cfg, err := storeConfigFromEnv("", func(name string) string {
		return map[string]string{"OKIENKO_SESSION_IDLE_TTL": "2h", "OKIENKO_CASE_RETENTION": "168h", "OKIENKO_REDIS_PREFIX": "cus-a"}[name]
	})
	if err != nil || cfg.IdleTTL != 2*time.Hour || cfg.ClosedCaseRetention != 168*time.Hour || cfg.Prefix != "cus-a" {
		t.Errorf("lifetimes: %v, %v, %v, %v", cfg.IdleTTL, cfg.ClosedCaseRetention, cfg.Prefix, err)
	}
}

func TestDescribeRedisHidesCredentials(t *testing.T) {
	cfg, err := storeConfigFromEnv("redis://okienko:hunter2@db.local:6379/1", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := describeRedis(cfg); got != "redis://db.local:6379/1" {
		t.Errorf("describeRedis = %q", got)
	}
}

// TestChatWithoutRedisSaysStateIsNotKept: the embedded default is announced
// once, on stderr, with the way to a real Redis; stdout stays the chat.
func TestChatWithoutRedisSaysStateIsNotKept(t *testing.T) {
	t.Setenv("OKIENKO_REDIS_URL", "")
	t.Setenv("OKIENKO_REDIS_ADDRS", "")
	out, errOut, err := runCapture("/start\n1\n", "chat", "--dialogs", "../../dialogs")
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, errOut)
	}
	if n := strings.Count(errOut, "will NOT survive a restart"); n != 1 || !strings.Contains(errOut, "OKIENKO_REDIS_URL=redis://") || !strings.Contains(errOut, "--redis") {
		t.Errorf("stderr (notice %d times):\n%s", n, errOut)
	}
	if strings.Contains(out, "survive") || !strings.Contains(out, "Dla kogo potrzebna jest pomoc?") {
		t.Errorf("stdout:\n%s", out)
	}
}

// TestChatKeepsTheConversationInRedis runs the terminal chat twice against
// one real redis-server: the second run continues where the first stopped,
// and its lines are not taken for redeliveries of the first run's.
func TestChatKeepsTheConversationInRedis(t *testing.T) {
	srv := redistest.Start(t)
	t.Setenv("OKIENKO_REDIS_URL", srv.URL())
	_, errOut, err := runCapture("/start\n1\n", "chat", "--dialogs", "../../dialogs")
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, errOut)
	}
	if strings.Contains(errOut, "survive") {
		t.Errorf("a configured Redis announced as embedded:\n%s", errOut)
	}
	// "2" answers the question the first run stopped at (for whom): the
	// second button there.
	out, errOut, err := runCapture("2\n", "chat", "--dialogs", "../../dialogs")
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "Okienko:") || strings.Contains(out, "Jestem Okienko") {
		t.Errorf("second run did not continue the conversation:\n%s", out)
	}
	keys, err := srv.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(keys, " "), "okienko:sess:{terminal:1}") {
		t.Errorf("keys in Redis: %q", keys)
	}
	// --redis wins over the environment.
	t.Setenv("OKIENKO_REDIS_URL", "redis://127.0.0.1:1")
	if _, errOut, err := runCapture("/pomoc\n", "chat", "--redis", srv.URL(), "--dialogs", "../../dialogs"); err != nil || strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("--redis did not override the environment: %v\n%s", err, errOut)
	}
}

// TestChatWithRedisDownApologises: a Redis that does not answer makes
// every message end in the apology with the Centre's phone, not a crash.
func TestChatWithRedisDownApologises(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill()
	out, errOut, err := runCapture("/start\n", "chat", "--redis", srv.URL(), "--dialogs", "../../dialogs")
	if err != nil {
		t.Fatalf("chat: %v", err)
	}
	if !strings.Contains(out, "Przepraszamy") || !strings.Contains(out, "55 000 00 00") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "redis does not answer yet") {
		t.Errorf("stderr does not warn at start:\n%s", errOut)
	}
}

type fakePinger struct{ err error }

func (f fakePinger) Ping(context.Context) error { return f.err }

func TestReadiness(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{{nil, http.StatusOK}, {errors.New("dial tcp: connection refused"), http.StatusServiceUnavailable}} {
		rec := httptest.NewRecorder()
		readiness(fakePinger{tc.err}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != tc.want || strings.Contains(rec.Body.String(), "refused") {
			t.Errorf("ping error %v: status %d body %q; want %d without error text", tc.err, rec.Code, rec.Body.String(), tc.want)
		}
	}
}

// TestServeKeepsStateInRedisAcrossRestarts runs serve twice on one real
// redis-server: the second process continues the conversation and does not
// answer a redelivered update again.
func TestServeKeepsStateInRedisAcrossRestarts(t *testing.T) {
	rs := redistest.Start(t)
	srv := telegramtest.New(t, serveToken)
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", serveToken)
	t.Setenv("OKIENKO_TELEGRAM_API_URL", srv.URL)
	t.Setenv("OKIENKO_TELEGRAM_WEBHOOK_URL", "")
	t.Setenv("OKIENKO_REDIS_URL", rs.URL())
	t.Setenv("OKIENKO_WEB_SECRET", "0123456789abcdef0123456789abcdef")
	serve := func() (stop func() string) {
		errOut := &logtest.Buffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- runServe(ctx, []string{"--dialogs", "../../dialogs", "--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: errOut})
		}()
		return func() string {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve: %v\n%s", err, errOut)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not stop")
			}
			return errOut.String()
		}
	}
	const me = 78
	stop := serve()
	first := srv.PrivateText(me, "pl", "/start")
	ms := srv.WaitMessages(t, me, 1, 10*time.Second)
	srv.WaitConfirmed(t, 10*time.Second)
	logs := stop()
	if strings.Contains(logs, "survive") || strings.Contains(logs, "serveSecret") {
		t.Errorf("stderr:\n%s", logs)
	}

	stop = serve()
	srv.Redeliver(first)
	srv.Press(me, "pl", ms[0].MessageID, "seniorzy")
	srv.WaitMessages(t, me, 2, 10*time.Second)
	srv.WaitConfirmed(t, 10*time.Second)
	stop() // sends what is queued
	ms = srv.Messages(me)
	if len(ms) != 2 || !strings.Contains(ms[1].Text, "Dla kogo") {
		t.Errorf("after a restart: %q; want the welcome once, then the next question", telegramTexts(ms))
	}
}

func telegramTexts(ms []telegramtest.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}
