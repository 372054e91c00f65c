package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// What Slack sends to an app, as its documentation shows it
// (docs.slack.dev: "Events API", the message event and its
// message_replied example; "Handling user interaction", the block_actions
// payload). Tests build these with the helpers below, never by hand, so
// that no test delivers what Slack would not: message text is escaped
// (&amp; &lt; &gt;), mentions and links are Slack's markup.

// Escape escapes text as Slack does in every message text it delivers:
// & < and > become &amp; &lt; &gt; (what a person typed as ">> hello"
// arrives as "&gt;&gt; hello").
func Escape(typed string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(typed)
}

// Mention is a user mention as Slack delivers it: <@U123>.
func Mention(user string) string { return "<@" + user + ">" }

// Link is a link as Slack delivers it: <https://x|label>, <tel:+48…|label>,
// <mailto:a@b|label>; without a label, <target>.
func Link(target, label string) string {
	if label == "" {
		return "<" + target + ">"
	}
	return "<" + target + "|" + Escape(label) + ">"
}

// MessageEvent is a message event a person caused in a channel, as the
// Events API delivers it (Say makes one).
type MessageEvent struct {
	Channel  string
	User     string
	TS       string
	ThreadTS string // the thread's root; empty for a message in the channel
	Text     string // in Slack's markup: escaped, with mentions and links
	Subtype  string // "" for a typed message; "file_share" with Files
	Files    []SharedFile
}

// SharedFile is a file shared in a message, as the message event lists it.
type SharedFile struct {
	ID       string
	Name     string
	Mimetype string
	Size     int
}

// Say records a message user typed in channel (in the thread threadTS when
// set) and returns its event. mrkdwn is the text in Slack's markup: build
// it with Escape for what they typed, Mention and Link for what the
// composer turns into markup.
func (s *Server) Say(channel, threadTS, user, mrkdwn string) MessageEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTS()
	s.messages[ts] = url.Values{"channel": {channel}, "thread_ts": {threadTS}, "text": {mrkdwn}, "user": {user}}
	return MessageEvent{Channel: channel, User: user, TS: ts, ThreadTS: threadTS, Text: mrkdwn}
}

// Envelope is the event_callback body that delivers e, under eventID: a
// retry of the same event keeps its id; Slack may also deliver the same
// message under another id (another subscription, a replay).
func (e MessageEvent) Envelope(eventID string) []byte {
	ev := map[string]any{
		"type": "message", "channel": e.Channel, "user": e.User, "text": e.Text,
		"ts": e.TS, "event_ts": e.TS, "channel_type": "channel", "team": "T1",
		"client_msg_id": fmt.Sprintf("%x-0000-4000-8000-000000000000", len(e.TS)*7919+len(e.Text)),
		"blocks": []any{map[string]any{"type": "rich_text", "block_id": "b1", "elements": []any{
			map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": e.Text}}},
		}}},
	}
	if e.ThreadTS != "" {
		ev["thread_ts"] = e.ThreadTS
		ev["parent_user_id"] = "UBOT"
	}
	if e.Subtype != "" {
		ev["subtype"] = e.Subtype
	}
	if len(e.Files) > 0 {
		var files []any
		for _, f := range e.Files {
			files = append(files, map[string]any{"id": f.ID, "name": f.Name, "mimetype": f.Mimetype, "size": f.Size, "mode": "hosted"})
		}
		ev["files"] = files
		delete(ev, "client_msg_id")
	}
	body, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A1", "event": ev,
		"type": "event_callback", "authed_users": []string{"UBOT"},
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event_context": "4-eyJldCI6Im1lc3NhZ2UifQ", "is_ext_shared_channel": false,
	})
	return body
}

// Action is a press on an interactive element of a message the fake holds.
type Action struct {
	User     string
	Channel  string
	TS       string // the message with the element
	ActionID string
	BlockID  string
	Value    string // a button's value
	// SelectedUser makes the action a users_select choice.
	SelectedUser string
	ActionTS     string
}

// Payload is the block_actions payload of a, as Slack posts it (form
// field "payload"), with the message as the fake holds it now.
func (s *Server) Payload(a Action) []byte {
	s.mu.Lock()
	form := s.messages[a.TS]
	s.mu.Unlock()
	blocks := json.RawMessage("[]")
	text := ""
	if form != nil {
		if b := form.Get("blocks"); b != "" && json.Valid([]byte(b)) {
			blocks = json.RawMessage(b)
		}
		text = form.Get("text")
	}
	action := map[string]any{"action_id": a.ActionID, "block_id": a.BlockID, "action_ts": a.ActionTS}
	if a.SelectedUser != "" {
		action["type"] = "users_select"
		action["selected_user"] = a.SelectedUser
	} else {
		action["type"] = "button"
		action["value"] = a.Value
		action["text"] = map[string]any{"type": "plain_text", "text": a.ActionID, "emoji": true}
	}
	body, _ := json.Marshal(map[string]any{
		"type":       "block_actions",
		"team":       map[string]any{"id": "T1", "domain": "okienko-test"},
		"user":       map[string]any{"id": a.User, "username": strings.ToLower(a.User), "name": strings.ToLower(a.User), "team_id": "T1"},
		"api_app_id": "A1", "token": "XXYYZZ",
		"container":  map[string]any{"type": "message", "message_ts": a.TS, "channel_id": a.Channel, "is_ephemeral": false},
		"trigger_id": "13345224609.738474920.8088930838d88f008e0",
		"channel":    map[string]any{"id": a.Channel, "name": "okienko-sprawy"},
		"message": map[string]any{"type": "message", "subtype": "bot_message", "bot_id": "B1", "user": "UBOT",
			"text": text, "ts": a.TS, "blocks": blocks},
		"response_url": "https://hooks.slack.com/actions/T1/1/xyz",
		"actions":      []any{action},
	})
	return body
}

// Form is the form body Slack posts to an interactivity URL.
func Form(payload []byte) []byte {
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}

// Sign signs a request body as Slack does (v0, HMAC-SHA256 of
// "v0:<timestamp>:<body>" with the signing secret), at time at.
func Sign(h http.Header, body []byte, secret string, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
