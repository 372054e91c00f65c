package main

import (
	"strings"
	"testing"
	"time"
)

func TestSlackConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		getenv  func(string) string
		on      bool
		wantErr string
	}{
		{"not configured", env(), false, ""},
		{"token without channel", env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1"), false, "needs both"},
		{"no way to receive events", env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1", "OKIENKO_SLACK_CHANNEL", "C1"), false, "SIGNING_SECRET"},
		{"events over HTTP", env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1", "OKIENKO_SLACK_CHANNEL", "C1", "OKIENKO_SLACK_SIGNING_SECRET", "s"), true, ""},
		{"socket mode", env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1", "OKIENKO_SLACK_CHANNEL", "C1", "OKIENKO_SLACK_APP_TOKEN", "xapp-1"), true, ""},
		{"bad duration", env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1", "OKIENKO_SLACK_CHANNEL", "C1", "OKIENKO_SLACK_APP_TOKEN", "xapp-1", "OKIENKO_SLACK_CLAIM_REMINDER", "ten"), false, "want a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, on, err := slackConfigFromEnv(tt.getenv)
			if on != tt.on {
				t.Errorf("configured = %v, want %v", on, tt.on)
			}
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "xoxb-1") {
				t.Errorf("the token is in the error: %v", err)
			}
		})
	}
	cfg, _, _ := slackConfigFromEnv(env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1", "OKIENKO_SLACK_CHANNEL", "C1", "OKIENKO_SLACK_APP_TOKEN", "x",
		"OKIENKO_SLACK_CLAIM_REMINDER", "5m", "OKIENKO_SLACK_OFFER_PHONE_AFTER", "20m", "OKIENKO_SLACK_REPLY_PREFIX", "!!", "OKIENKO_SLACK_QUIET_AFTER", "48h"))
	if cfg.ClaimReminder != 5*time.Minute || cfg.OfferPhoneAfter != 20*time.Minute || cfg.ReplyPrefix != "!!" || cfg.QuietAfter != 48*time.Hour {
		t.Errorf("config = %+v", cfg)
	}
	cfg, _, _ = slackConfigFromEnv(env("OKIENKO_SLACK_BOT_TOKEN", "xoxb-1", "OKIENKO_SLACK_CHANNEL", "C1", "OKIENKO_SLACK_APP_TOKEN", "x",
		"OKIENKO_SLACK_QUIET_AFTER", "off"))
	if cfg.QuietAfter >= 0 {
		t.Errorf("OKIENKO_SLACK_QUIET_AFTER=off gives %v; want negative (not listed)", cfg.QuietAfter)
	}
}
