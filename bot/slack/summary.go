package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
)

// PostSummary posts text — Slack mrkdwn such as the weekly summary of the
// needs report (needs.Report.WriteSlackSummary) — to the staff channel as
// a message of its own, and returns its ts. It needs only cfg's BotToken
// and Channel (APIURL and HTTPClient as for the desk). It is not a case
// and goes straight to Slack, not through the outbox: run it from one
// place on a schedule (`okienko report --slack` from cron or a systemd
// timer), not from every replica.
func PostSummary(ctx context.Context, cfg Config, text string) (string, error) {
	if strings.TrimSpace(cfg.BotToken) == "" || strings.TrimSpace(cfg.Channel) == "" {
		return "", errors.New("post summary: no bot token or staff channel")
	}
	if strings.TrimSpace(text) == "" {
		return "", errors.New("post summary: nothing to post")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = slackapi.APIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	cfg.AppToken = "" // a bot token posts
	_, ts, err := newClient(cfg).PostMessageContext(ctx, cfg.Channel,
		slackapi.MsgOptionText(text, false), slackapi.MsgOptionDisableLinkUnfurl())
	if err != nil {
		return "", fmt.Errorf("post summary: %w", err)
	}
	return ts, nil
}
