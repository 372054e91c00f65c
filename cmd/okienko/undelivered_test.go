package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"okienko/bot/logtest"
	"okienko/bot/redis/redistest"
	"okienko/bot/slack/slackfake"
	"okienko/bot/telegram/telegramtest"
)

// TestServeTellsStaffOfUndeliveredReplies: serve wires Telegram's reports
// of undelivered messages to the case threads. A resident writes of a
// crisis and blocks the bot at once: the card is posted, Telegram refuses
// the bot's replies (403 "Forbidden: bot was blocked by the user"), and
// the staff read one note in the case's thread that the resident did not
// get them.
func TestServeTellsStaffOfUndeliveredReplies(t *testing.T) {
	rs := redistest.Start(t)
	tg := telegramtest.New(t, serveToken)
	const slackToken = "xoxb-undelivered-test"
	sf := slackfake.New(t, slackToken)
	for _, name := range settings {
		t.Setenv(name, "")
	}
	for k, v := range map[string]string{
		"OKIENKO_TELEGRAM_TOKEN":       serveToken,
		"OKIENKO_TELEGRAM_API_URL":     tg.URL,
		"OKIENKO_WEB":                  "off",
		"OKIENKO_REDIS_URL":            rs.URL(),
		"OKIENKO_SLACK_BOT_TOKEN":      slackToken,
		"OKIENKO_SLACK_CHANNEL":        "CSTAFF",
		"OKIENKO_SLACK_SIGNING_SECRET": "signing-secret",
		"OKIENKO_SLACK_API_URL":        sf.URL(),
	} {
		t.Setenv(k, v)
	}
	logs := &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--dialogs", "../../dialogs", "--http", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: logs})
	}()
	t.Cleanup(func() {
		cancel()
		select { // done may have been taken by a wait that saw serve end
		case <-done:
		case <-time.After(30 * time.Second):
		}
	})
	waitFor(t, logs, "serving residents", done)

	const me = 502
	tg.Block(me)
	tg.PrivateText(me, "pl", "nie chce juz zyc")
	const note = "nie dotarła do mieszkańca"
	var card string
	waitUntilTrue(t, "the note in the case thread", done, func() bool {
		for _, p := range sf.Posts() {
			if p.ThreadTS == "" && card == "" {
				card = p.TS
			}
			if p.ThreadTS != "" && p.ThreadTS == card && strings.Contains(p.Text, note) {
				return true
			}
		}
		return false
	})
	refused := 0
	for _, c := range tg.Calls("sendMessage") {
		if c.Status == http.StatusForbidden {
			refused++
		}
	}
	if refused == 0 || len(tg.Messages(me)) != 0 {
		t.Fatalf("%d replies refused, %d delivered; want all refused", refused, len(tg.Messages(me)))
	}
	notes := 0
	for _, p := range sf.Posts() {
		if strings.Contains(p.Text, note) {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d notes for %d refused replies; want 1", notes, refused)
	}
	if strings.Contains(logs.String(), "juz zyc") {
		t.Error("the resident's words reached the logs")
	}
}
