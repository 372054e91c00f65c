package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"okienko/bot"
	"okienko/bot/slack"
)

// The one path of staff actions to residents is the engine's.
var _ slack.StaffHandler = (*bot.StaffRelay)(nil)

// slackConfigFromEnv reads the Slack settings; ok is false when Slack is
// not configured at all.
func slackConfigFromEnv(getenv func(string) string) (cfg slack.Config, ok bool, err error) {
	cfg = slack.Config{
		BotToken:        strings.TrimSpace(getenv("OKIENKO_SLACK_BOT_TOKEN")),
		SigningSecret:   strings.TrimSpace(getenv("OKIENKO_SLACK_SIGNING_SECRET")),
		AppToken:        strings.TrimSpace(getenv("OKIENKO_SLACK_APP_TOKEN")),
		Channel:         strings.TrimSpace(getenv("OKIENKO_SLACK_CHANNEL")),
		OnDutyGroup:     strings.TrimSpace(getenv("OKIENKO_SLACK_ONDUTY_GROUP")),
		SupervisorGroup: strings.TrimSpace(getenv("OKIENKO_SLACK_SUPERVISOR_GROUP")),
		ReplyPrefix:     getenv("OKIENKO_SLACK_REPLY_PREFIX"),
		APIURL:          strings.TrimSpace(getenv("OKIENKO_SLACK_API_URL")),
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
	if strings.EqualFold(strings.TrimSpace(getenv("OKIENKO_SLACK_QUIET_AFTER")), "off") {
		cfg.QuietAfter = -1 // the morning round lists no quiet claimed cases
	}
	for name, dst := range map[string]*time.Duration{"OKIENKO_SLACK_CLAIM_REMINDER": &cfg.ClaimReminder,
		"OKIENKO_SLACK_OFFER_PHONE_AFTER": &cfg.OfferPhoneAfter, "OKIENKO_SLACK_QUIET_AFTER": &cfg.QuietAfter} {
		if v := strings.TrimSpace(getenv(name)); v != "" && (name != "OKIENKO_SLACK_QUIET_AFTER" || cfg.QuietAfter >= 0) {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, false, fmt.Errorf("%s=%q: want a duration like 10m", name, v)
			}
			*dst = d
		}
	}
	return cfg, true, nil
}
