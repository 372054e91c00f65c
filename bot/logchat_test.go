package bot

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogChatHidesTheChat(t *testing.T) {
	day := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	key := dayKey([]byte("secret"), day.Format(time.DateOnly))
	tag := chatTag(key, "telegram:123456789")
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(tag) {
		t.Fatalf("tag %q: want 12 hex digits", tag)
	}
	tests := []struct {
		name      string
		secret    string
		day       time.Time
		chat      string
		wantEqual bool
	}{
		{"same chat, same day, later hour", "secret", day.Add(11 * time.Hour), "telegram:123456789", true},
		{"same chat, same day in UTC, other zone", "secret", day.In(time.FixedZone("", 3600)), "telegram:123456789", true},
		{"next day", "secret", day.AddDate(0, 0, 1), "telegram:123456789", false},
		{"other secret", "other", day, "telegram:123456789", false},
		{"other chat", "secret", day, "telegram:123456780", false},
		{"same id, other channel", "secret", day, "web:123456789", false},
	}
	for _, tt := range tests {
		got := chatTag(dayKey([]byte(tt.secret), tt.day.UTC().Format(time.DateOnly)), tt.chat)
		if (got == tag) != tt.wantEqual {
			t.Errorf("%s: %q vs %q, want equal %v", tt.name, got, tag, tt.wantEqual)
		}
	}
}

func TestLogChatInLogs(t *testing.T) {
	SetLogSecret([]byte("replicas' secret"))
	t.Cleanup(func() { SetLogSecret(nil) })
	var first, second bytes.Buffer
	for _, buf := range []*bytes.Buffer{&first, &second} { // two replicas with the same secret
		slog.New(slog.NewJSONHandler(buf, nil)).Warn("x", "chat", LogChat("telegram:123456789"))
	}
	if strings.Contains(first.String(), "123456789") {
		t.Errorf("log names the chat: %s", first.String())
	}
	if first.String()[strings.Index(first.String(), `"chat"`):] != second.String()[strings.Index(second.String(), `"chat"`):] {
		t.Errorf("replicas with one secret log the chat differently:\n%s%s", first.String(), second.String())
	}
	now := time.Now()
	want := chatTag(logDayKey(now), "telegram:123456789")
	if !strings.Contains(first.String(), `"chat":"`+want+`"`) &&
		!strings.Contains(first.String(), `"chat":"`+chatTag(logDayKey(now.Add(-time.Hour)), "telegram:123456789")+`"`) { // logged before midnight
		t.Errorf("log %s: want chat %s", first.String(), want)
	}
	SetLogSecret([]byte("another deployment"))
	var other bytes.Buffer
	slog.New(slog.NewJSONHandler(&other, nil)).Warn("x", "chat", LogChat("telegram:123456789"))
	if strings.Contains(other.String(), want) {
		t.Errorf("another secret logs the same tag: %s", other.String())
	}
}
