package slackfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const token = "xoxb-fake-0123"

// call posts a form to method as the SDK does and returns the HTTP status,
// the decoded answer (nil when it is not JSON) and the transport error.
func call(t *testing.T, s *Server, method, bearer string, form url.Values) (int, map[string]any, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var answer map[string]any
	if json.NewDecoder(resp.Body).Decode(&answer) != nil {
		answer = nil
	}
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	return resp.StatusCode, answer, nil
}

const card = `[{"type":"header","text":{"type":"plain_text","text":"Nowa sprawa"}},` +
	`{"type":"context","elements":[{"type":"mrkdwn","text":"czeka"}]},` +
	`{"type":"actions","elements":[{"type":"button","action_id":"claim","value":"c1","text":{"type":"plain_text","text":"Przejmij"}}]}]`

func TestServer(t *testing.T) {
	post := url.Values{"channel": {"C1"}, "text": {"Nowa sprawa"}, "blocks": {card}}
	for _, tc := range []struct {
		name    string
		setup   func(*Server)
		method  string
		bearer  string
		form    url.Values
		status  int    // 0: the connection is dropped
		errCode string // Slack's error, "" for ok
		posts   int    // accepted posts afterwards
	}{
		{name: "post", method: "chat.postMessage", bearer: token, form: post, status: 200, posts: 1},
		{name: "token in the form", method: "chat.postMessage", form: url.Values{"token": {token}, "channel": {"C1"}, "text": {"x"}}, status: 200, posts: 1},
		{name: "wrong token", method: "chat.postMessage", bearer: "xoxb-other", form: post, status: 200, errCode: "invalid_auth"},
		{name: "no text", method: "chat.postMessage", bearer: token, form: url.Values{"channel": {"C1"}}, status: 200, errCode: "no_text"},
		{name: "bad blocks", method: "chat.postMessage", bearer: token, form: url.Values{"channel": {"C1"}, "blocks": {"[{"}}, status: 200, errCode: "invalid_blocks"},
		{name: "update of a missing message", method: "chat.update", bearer: token, form: url.Values{"channel": {"C1"}, "ts": {"1.2"}}, status: 200, errCode: "message_not_found"},
		{name: "unknown method", method: "chat.unfurl", bearer: token, status: 200, errCode: "unknown_method"},
		{name: "fail next", setup: func(s *Server) { s.FailNext("chat.postMessage", 503) }, method: "chat.postMessage", bearer: token, form: post, status: 503},
		{name: "rate limited", setup: func(s *Server) { s.FailNext("chat.postMessage", 429) }, method: "chat.postMessage", bearer: token, form: post, status: 429},
		{name: "down", setup: func(s *Server) { s.Down(503, 0) }, method: "auth.test", bearer: token, status: 503},
		{name: "down for a while, over", setup: func(s *Server) { s.Down(503, time.Millisecond); time.Sleep(5 * time.Millisecond) }, method: "auth.test", bearer: token, status: 200},
		{name: "up again", setup: func(s *Server) { s.Down(503, 0); s.Up() }, method: "chat.postMessage", bearer: token, form: post, status: 200, posts: 1},
		{name: "dropped", setup: func(s *Server) { s.Drop() }, method: "chat.postMessage", bearer: token, form: post, status: 0},
		{name: "socket mode not set up", method: "apps.connections.open", bearer: "xapp-1", status: 200, errCode: "not_allowed"},
		{name: "socket mode", setup: func(s *Server) { s.SetSocketURL("ws://127.0.0.1:1/ws") }, method: "apps.connections.open", bearer: "xapp-1", status: 200},
		{name: "socket mode needs the app token", setup: func(s *Server) { s.SetSocketURL("ws://127.0.0.1:1/ws") }, method: "apps.connections.open", bearer: token, status: 200, errCode: "invalid_auth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t, token)
			if tc.setup != nil {
				tc.setup(s)
			}
			status, answer, err := call(t, s, tc.method, tc.bearer, tc.form)
			if tc.status == 0 {
				if err == nil {
					t.Fatalf("status %d, want the connection dropped", status)
				}
			} else if err != nil || status != tc.status {
				t.Fatalf("status %d (%v), want %d", status, err, tc.status)
			}
			if status == 200 {
				if got, _ := answer["error"].(string); got != tc.errCode || (answer["ok"] == true) != (tc.errCode == "") {
					t.Errorf("answer %v, want error %q", answer, tc.errCode)
				}
			}
			if got := len(s.Posts()); got != tc.posts {
				t.Errorf("%d posts accepted, want %d", got, tc.posts)
			}
			calls := s.Calls(tc.method)
			if len(calls) != 1 || calls[0].Status != status {
				t.Errorf("calls recorded: %+v", calls)
			}
		})
	}
}

func TestPostsThreadsAndUpdates(t *testing.T) {
	s := New(t, token)
	_, a, _ := call(t, s, "chat.postMessage", token, url.Values{"channel": {"C1"}, "text": {"Nowa sprawa"}, "blocks": {card}})
	ts, _ := a["ts"].(string)
	_, b, _ := call(t, s, "chat.postMessage", token, url.Values{"channel": {"C1"}, "text": {"w wątku"}, "thread_ts": {ts}})
	if b["ts"] == ts {
		t.Errorf("two posts share ts %q", ts)
	}
	if _, u, _ := call(t, s, "chat.update", token, url.Values{"channel": {"C1"}, "ts": {ts}, "text": {"zmieniona"}}); u["ok"] != true {
		t.Errorf("update: %v", u)
	}
	posts := s.Posts()
	if len(posts) != 2 || posts[0].ThreadTS != "" || posts[1].ThreadTS != ts || posts[1].Text != "w wątku" {
		t.Fatalf("posts %+v", posts)
	}
	want := []Button{{ActionID: "claim", Value: "c1", Text: "Przejmij"}}
	if got := posts[0].Buttons(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("buttons %+v, want %+v", got, want)
	}
	if got := s.Message(ts).Get("text"); got != "zmieniona" {
		t.Errorf("the card reads %q after the update", got)
	}
	s.SetMembers("U7")
	s.SetName("U7", "Ola")
	if _, m, _ := call(t, s, "conversations.members", token, url.Values{"channel": {"C1"}}); len(m["members"].([]any)) != 1 {
		t.Errorf("members %v", m)
	}
	if _, u, _ := call(t, s, "users.info", token, url.Values{"user": {"U7"}}); u["user"].(map[string]any)["profile"].(map[string]any)["first_name"] != "Ola" {
		t.Errorf("users.info %v", u)
	}
}
