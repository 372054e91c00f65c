package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"okienko/bot/telegram/telegramtest"
)

const serveToken = "7012345678:AAF-serveSecret_0123456789abcdefghij"

// lockedBuffer is stderr shared with a running subcommand.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeWithoutTokenSaysTelegramIsNotConfigured(t *testing.T) {
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", "")
	var out, errOut bytes.Buffer
	err := runServe(context.Background(), nil, stdio{in: strings.NewReader(""), out: &out, err: &errOut})
	if exitCode(err) != 1 || !strings.Contains(errOut.String(), "Telegram is not configured") || !strings.Contains(errOut.String(), "OKIENKO_TELEGRAM_TOKEN=") {
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
	errOut := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--dialogs", "../../dialogs"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: errOut})
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
