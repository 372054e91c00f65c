package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"okienko/bot"
	"okienko/bot/slack"
)

// replySender delivers a reply to a resident on one channel.
type replySender interface {
	Send(chatID string, r bot.Reply) error
}

// staffBridge carries staff actions from Slack into the engine and the
// engine's replies to the resident's channel.
type staffBridge struct {
	eng     *bot.Engine
	senders map[string]replySender // by bot.Message channel
	logger  *slog.Logger
}

var _ slack.Engine = (*staffBridge)(nil)

// Staff implements slack.Engine.
func (b *staffBridge) Staff(ctx context.Context, ev bot.StaffEvent) error {
	if b.eng == nil {
		return errors.New("staff event: the engine is not running yet")
	}
	if ev.Kind == bot.StaffMessage {
		// Words for the resident are delivered at least once: if sending
		// fails, Slack's retry must reach the resident, so the engine does
		// not record the event as applied (the adapter dedupes redeliveries).
		ev.EventID = ""
	}
	events, err := b.eng.Staff(ctx, ev)
	if err != nil {
		return err
	}
	channel, chatID, ok := strings.Cut(ev.Case.Key, ":")
	if !ok {
		return fmt.Errorf("staff event: bad conversation key")
	}
	sender := b.senders[channel]
	if sender == nil {
		return fmt.Errorf("staff event: no channel %q to reach the resident", channel)
	}
	for _, e := range events {
		if e.Kind != bot.EventReply || e.Reply == nil {
			continue
		}
		if err := sender.Send(chatID, *e.Reply); err != nil {
			return fmt.Errorf("staff event: deliver to the resident: %w", err)
		}
	}
	return nil
}

// slackConfigFromEnv reads the Slack settings; ok is false when Slack is
// not configured at all.
func slackConfigFromEnv(getenv func(string) string) (cfg slack.Config, ok bool, err error) {
	cfg = slack.Config{
		BotToken:      strings.TrimSpace(getenv("OKIENKO_SLACK_BOT_TOKEN")),
		SigningSecret: strings.TrimSpace(getenv("OKIENKO_SLACK_SIGNING_SECRET")),
		AppToken:      strings.TrimSpace(getenv("OKIENKO_SLACK_APP_TOKEN")),
		Channel:       strings.TrimSpace(getenv("OKIENKO_SLACK_CHANNEL")),
		OnDutyGroup:   strings.TrimSpace(getenv("OKIENKO_SLACK_ONDUTY_GROUP")),
		ReplyPrefix:   getenv("OKIENKO_SLACK_REPLY_PREFIX"),
		APIURL:        strings.TrimSpace(getenv("OKIENKO_SLACK_API_URL")),
	}
	if cfg.BotToken == "" && cfg.Channel == "" {
		return cfg, false, nil
	}
	if cfg.BotToken == "" || cfg.Channel == "" {
		return cfg, false, errors.New("Slack needs both OKIENKO_SLACK_BOT_TOKEN and OKIENKO_SLACK_CHANNEL")
	}
	if cfg.SigningSecret == "" && cfg.AppToken == "" {
		return cfg, false, errors.New("Slack needs OKIENKO_SLACK_SIGNING_SECRET (Events API over HTTP) or OKIENKO_SLACK_APP_TOKEN (Socket Mode)")
	}
	for name, dst := range map[string]*time.Duration{"OKIENKO_SLACK_CLAIM_REMINDER": &cfg.ClaimReminder, "OKIENKO_SLACK_OFFER_PHONE_AFTER": &cfg.OfferPhoneAfter} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, false, fmt.Errorf("%s=%q: want a duration like 10m", name, v)
			}
			*dst = d
		}
	}
	return cfg, true, nil
}
