package slack

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestPostSummary(t *testing.T) {
	fake := newFakeSlack(t)
	cfg := Config{BotToken: testToken, Channel: testChannel, APIURL: fake.url()}
	text := "*Potrzeby mieszkańców* (2026-11-18 – 2026-11-24)\n• Rozmowy: 142"
	ts, err := PostSummary(context.Background(), cfg, text)
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.posts(func(f url.Values) bool { return f.Get("channel") == testChannel })
	if len(posts) != 1 || posts[0].Get("text") != text || ts == "" {
		t.Fatalf("posts %v, ts %q: want the summary once in the staff channel", posts, ts)
	}
	if posts[0].Get("unfurl_links") != "false" {
		t.Errorf("links unfurl: %v", posts[0])
	}

	for _, bad := range []struct {
		name string
		cfg  Config
		text string
	}{
		{"no token", Config{Channel: testChannel, APIURL: fake.url()}, text},
		{"no channel", Config{BotToken: testToken, APIURL: fake.url()}, text},
		{"no text", cfg, "  "},
	} {
		if _, err := PostSummary(context.Background(), bad.cfg, bad.text); err == nil {
			t.Errorf("%s: posted", bad.name)
		}
	}
	fake.failNext("chat.postMessage", 500)
	if _, err := PostSummary(context.Background(), cfg, text); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("a failed post: err %v; want an error without the token", err)
	}
}
