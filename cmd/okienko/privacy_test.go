package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot/logtest"
	"okienko/bot/redis/redistest"
	"okienko/bot/telegram/telegramtest"
)

// TestServeEraseAndReportEndToEnd runs `okienko serve` on a real
// redis-server holding two million other keys, with two residents on
// Telegram whose searches find nothing: one writes a spreadsheet formula,
// the other gives their name and then erases the conversation with /usun.
// The erasure succeeds with the default timeouts and leaves nothing of that
// resident in Redis — not their chat id, not their words in the needs
// data — and `okienko report --format csv` then shows the first
// resident's query neutralised (no cell a spreadsheet would run) and the
// erased one's not at all.
func TestServeEraseAndReportEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("fills Redis with two million keys")
	}
	rs := redistest.Start(t, redistest.WithArgs("--enable-debug-command", "yes"))
	client := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), ReadTimeout: time.Minute})
	defer client.Close()
	// Other data, filled fast: two million keys.
	if err := client.Do(context.Background(), "DEBUG", "POPULATE", "2000000", "okienko:sess:{telegram:other").Err(); err != nil {
		t.Fatalf("DEBUG POPULATE: %v", err)
	}
	tg := telegramtest.New(t, serveToken)
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", serveToken)
	t.Setenv("OKIENKO_TELEGRAM_API_URL", tg.URL)
	t.Setenv("OKIENKO_TELEGRAM_WEBHOOK_URL", "")
	t.Setenv("OKIENKO_REDIS_URL", rs.URL())
	t.Setenv("OKIENKO_WEB_SECRET", "0123456789abcdef0123456789abcdef")
	errOut := &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--dialogs", "../../dialogs", "--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: errOut})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v\n%s", err, errOut)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}
	defer stop()

	const formula, erased = 731200001, 731200002
	const formulaText = `=HYPERLINK("http://evil.example/x","naprawa samochodu po stłuczce")`
	tg.PrivateText(formula, "pl", formulaText)
	tg.PrivateText(erased, "pl", "naprawa roweru po wypadku, nazywam się Zenon Wichura")
	tg.WaitMessages(t, formula, 1, 20*time.Second)
	tg.WaitMessages(t, erased, 1, 20*time.Second)

	// Both queries reach Redis (the counters flush every second), linked
	// to their conversations until the day is aggregated.
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := client.Eval(ctx, `
local n = 0
for _, k in ipairs(redis.call('KEYS', 'okienko:needqpending:*')) do n = n + redis.call('SCARD', k) end
return n`, nil).Int()
		if err == nil && n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the two unmatched queries did not reach Redis: %d, %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	before := len(tg.Messages(erased))
	tg.PrivateText(erased, "pl", "/usun")
	ms := tg.WaitMessages(t, erased, before+1, 20*time.Second)
	if got := ms[len(ms)-1].Text; !strings.Contains(got, "Usunięto") {
		t.Fatalf("/usun among two million keys answered %q", got)
	}
	for _, k := range scanAll(t, client) {
		if strings.HasPrefix(k, "okienko:sess:{telegram:other") {
			continue
		}
		if v := valueOf(t, client, k); strings.Contains(k+v, "731200002") || strings.Contains(k+v, "roweru") {
			t.Errorf("after /usun Redis still holds the resident's chat or words: %s = %q", k, v)
		}
	}
	stop()

	out := runOK(t, "", "report", "--redis", rs.URL(), "--since", "7d", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("report CSV: %v\n%s", err, out)
	}
	var formulaShown bool
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("a cell starts a formula: %q", cell)
			}
			if strings.Contains(cell, "roweru") || strings.Contains(cell, "Wichura") {
				t.Errorf("the erased resident's words are in the report: %q", cell)
			}
			formulaShown = formulaShown || strings.HasPrefix(cell, `'=HYPERLINK(`)
		}
	}
	if !formulaShown {
		t.Errorf("the first resident's query is not in the report, neutralised:\n%s", out)
	}
}

// scanAll lists every key (a test may scan; the program must not).
func scanAll(t *testing.T, c *goredis.Client) []string {
	t.Helper()
	var keys []string
	iter := c.Scan(context.Background(), 0, "*", 10_000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// valueOf is a key's value as text, whatever its type.
func valueOf(t *testing.T, c *goredis.Client, k string) string {
	t.Helper()
	ctx := context.Background()
	typ, err := c.Type(ctx, k).Result()
	if err != nil {
		t.Fatal(err)
	}
	var v any
	switch typ {
	case "string":
		v, err = c.Get(ctx, k).Result()
	case "hash":
		v, err = c.HGetAll(ctx, k).Result()
	case "set":
		v, err = c.SMembers(ctx, k).Result()
	case "zset":
		v, err = c.ZRange(ctx, k, 0, -1).Result()
	case "list":
		v, err = c.LRange(ctx, k, 0, -1).Result()
	case "stream":
		v, err = c.XRange(ctx, k, "-", "+").Result()
	default:
		return ""
	}
	if err != nil && err != goredis.Nil {
		t.Fatal(err)
	}
	return fmt.Sprint(v)
}
