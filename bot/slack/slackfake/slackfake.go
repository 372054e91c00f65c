// Package slackfake is a fake of the Slack Web API on a loopback port, for
// tests of the Slack desk and of commands that wire it (okienko serve). It
// answers the methods the desk calls as Slack does — form-encoded POSTs to
// <URL><method>, a bearer token, {"ok": …} envelopes, 429 with Retry-After —
// records every call, and can fail: the next calls of a method with given
// statuses, every call with one status for a while (an outage), or by
// dropping connections without an answer.
//
// It declares its own wire types instead of importing the Slack SDK, so
// that it checks the SDK's encoding rather than sharing it.
package slackfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Call is one Web API request the fake received.
type Call struct {
	Method string
	Form   url.Values
	At     time.Time
	// Status is the HTTP status the fake answered (0: the connection was
	// dropped without an answer).
	Status int
	// OK is the "ok" of the answer: false for Slack's own errors
	// (invalid_auth, message_not_found…) and failed HTTP statuses.
	OK bool
	// Token is the token the call presented (bearer header or form).
	Token string
}

// Post is a message posted with chat.postMessage that the fake accepted.
type Post struct {
	Channel  string
	TS       string
	ThreadTS string // empty for a message in the channel itself
	Text     string
	Blocks   json.RawMessage // as posted; nil when none
}

// Button is a button of a message's blocks.
type Button struct {
	ActionID string
	Value    string
	Text     string
}

// Buttons lists the buttons of the post's actions blocks in order.
func (p Post) Buttons() []Button { return buttons(p.Blocks) }

func buttons(raw json.RawMessage) []Button {
	if len(raw) == 0 {
		return nil
	}
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			// An object for buttons, a string for text elements.
			Text json.RawMessage `json:"text"`
		} `json:"elements"`
	}
	if json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var out []Button
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			if e.Type != "button" {
				continue
			}
			var text struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(e.Text, &text)
			out = append(out, Button{ActionID: e.ActionID, Value: e.Value, Text: text.Text})
		}
	}
	return out
}

// Server is the fake Web API. Create it with New; it stops with the test.
type Server struct {
	// Token is the bot token the fake accepts (Authorization: Bearer, or
	// a token form field).
	Token string
	// AppToken is the app-level token apps.connections.open accepts.
	// Empty: any token starting with "xapp-".
	AppToken string

	srv *httptest.Server

	mu        sync.Mutex
	calls     []Call
	posts     []Post
	messages  map[string]url.Values // ts → the last posted or updated form
	seq       int
	members   []string
	names     map[string]string // user id → first name
	fail      map[string][]int  // method → statuses of its next calls
	delay     map[string]time.Duration
	down      int       // status answered to every call; 0: up
	downUntil time.Time // zero: until Up
	dropping  bool      // connections closed without an answer
	socketURL string
	groups    map[string][]string // user group id → members
	files     map[string]*File    // file id → an uploaded file (files.go)
}

// New starts a fake Slack Web API accepting token on a loopback port. The
// staff channel's members are U1 and U2, named Anna and Piotr.
func New(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{
		Token:    token,
		messages: map[string]url.Values{},
		members:  []string{"U1", "U2"},
		names:    map[string]string{"U1": "Anna", "U2": "Piotr"},
		fail:     map[string][]int{},
		delay:    map[string]time.Duration{},
		groups:   map[string][]string{},
		files:    map[string]*File{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// URL is the Web API base URL, ending in "/": the desk's APIURL
// (OKIENKO_SLACK_API_URL).
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close stops the server.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetMembers sets the staff channel's members (conversations.members).
func (s *Server) SetMembers(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = slices.Clone(ids)
}

// SetName sets a user's first name (users.info).
func (s *Server) SetName(id, firstName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[id] = firstName
}

// SetGroup sets a user group's members (usergroups.users.list).
func (s *Server) SetGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = slices.Clone(members)
}

// SetSocketURL sets what apps.connections.open answers: the WebSocket URL
// of a Socket Mode test server. Empty: not_allowed.
func (s *Server) SetSocketURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socketURL = u
}

// FailNext answers the next calls of method with the given HTTP statuses,
// one per call (429 comes with Retry-After: 1).
func (s *Server) FailNext(method string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[method] = append(s.fail[method], statuses...)
}

// Delay makes every call of method wait d before it is answered.
func (s *Server) Delay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay[method] = d
}

// Down answers every call with status (e.g. 503) until Up, or for d when
// d > 0: Slack is unavailable.
func (s *Server) Down(status int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down, s.downUntil = status, time.Time{}
	if d > 0 {
		s.downUntil = time.Now().Add(d)
	}
}

// Drop closes every connection without an answer until Up, as an
// unreachable Slack would look to a client.
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropping = true
}

// Up ends Down and Drop.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down, s.downUntil, s.dropping = 0, time.Time{}, false
}

// Calls returns the calls of the given methods (all if none given), in
// order.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Posts returns the accepted chat.postMessage messages, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

// Message returns the last posted or updated form of the message ts, or
// nil.
func (s *Server) Message(ts string) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages[ts]
}

// Messages returns the last posted or updated form of every message the
// fake holds, by ts.
func (s *Server) Messages() map[string]url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.messages)
}

// FailQueued is how many of the failures FailNext queued for method are
// still to be answered.
func (s *Server) FailQueued(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.fail[method])
}

// failure is how the fake answers a call instead of serving it.
type failure struct {
	status int
	drop   bool
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/upload/") {
		s.upload(w, r)
		return
	}
	method := path.Base(r.URL.Path)
	_ = r.ParseForm()
	form := r.Form
	now := time.Now()
	token := presented(r)

	s.mu.Lock()
	var f failure
	switch {
	case s.dropping:
		f.drop = true
	case s.down != 0 && (s.downUntil.IsZero() || now.Before(s.downUntil)):
		f.status = s.down
	case len(s.fail[method]) > 0:
		f.status, s.fail[method] = s.fail[method][0], s.fail[method][1:]
	}
	delay := s.delay[method]
	s.mu.Unlock()
	time.Sleep(delay)

	if f.drop {
		s.record(Call{Method: method, Form: form, At: now, Token: token})
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	if f.status != 0 {
		s.record(Call{Method: method, Form: form, At: now, Status: f.status, Token: token})
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, http.StatusText(f.status), f.status)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		s.record(Call{Method: method, Form: form, At: now, Status: http.StatusMethodNotAllowed, Token: token})
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var result map[string]any
	if !s.authorized(method, token) {
		result = map[string]any{"ok": false, "error": "invalid_auth"}
	} else {
		result = s.answer(method, form)
	}
	ok, _ := result["ok"].(bool)
	s.record(Call{Method: method, Form: form, At: now, Status: http.StatusOK, OK: ok, Token: token})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(result)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// presented is the token a request carries: the bearer header, else the
// token form field.
func presented(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return tok
	}
	return r.Form.Get("token")
}

// authorized checks the token of a call: the app-level token for Socket
// Mode's apps.connections.open, the bot token for the rest.
func (s *Server) authorized(method, token string) bool {
	if method == "apps.connections.open" {
		if s.AppToken != "" {
			return token == s.AppToken
		}
		return strings.HasPrefix(token, "xapp-")
	}
	return token != "" && token == s.Token
}

// answer serves one authorized call.
func (s *Server) answer(method string, form url.Values) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "auth.test":
		return map[string]any{"ok": true, "url": "https://okienko-test.slack.com/", "team": "Okienko", "user": "okienko",
			"team_id": "T1", "user_id": "UBOT", "bot_id": "B1"}
	case "chat.postMessage":
		channel := form.Get("channel")
		if channel == "" {
			return map[string]any{"ok": false, "error": "channel_not_found"}
		}
		if form.Get("text") == "" && form.Get("blocks") == "" {
			return map[string]any{"ok": false, "error": "no_text"}
		}
		p := Post{Channel: channel, ThreadTS: form.Get("thread_ts"), Text: form.Get("text")}
		if b := form.Get("blocks"); b != "" {
			if !json.Valid([]byte(b)) {
				return map[string]any{"ok": false, "error": "invalid_blocks"}
			}
			p.Blocks = json.RawMessage(b)
		}
		p.TS = s.nextTS()
		s.posts = append(s.posts, p)
		s.messages[p.TS] = form
		return map[string]any{"ok": true, "channel": channel, "ts": p.TS,
			"message": map[string]any{"type": "message", "text": p.Text, "ts": p.TS, "thread_ts": p.ThreadTS}}
	case "chat.update":
		ts := form.Get("ts")
		if _, ok := s.messages[ts]; !ok {
			return map[string]any{"ok": false, "error": "message_not_found"}
		}
		if form.Get("channel") == "" {
			form.Set("channel", s.messages[ts].Get("channel"))
		}
		s.messages[ts] = form
		return map[string]any{"ok": true, "channel": form.Get("channel"), "ts": ts, "text": form.Get("text")}
	case "files.getUploadURLExternal", "files.completeUploadExternal", "files.delete":
		return s.fileMethod(method, form)
	case "chat.getPermalink":
		ts := form.Get("message_ts")
		if _, ok := s.messages[ts]; !ok {
			return map[string]any{"ok": false, "error": "message_not_found"}
		}
		return map[string]any{"ok": true, "channel": form.Get("channel"),
			"permalink": "https://okienko-test.slack.com/archives/" + form.Get("channel") + "/p" + strings.ReplaceAll(ts, ".", "")}
	case "usergroups.users.list":
		members, ok := s.groups[form.Get("usergroup")]
		if !ok {
			return map[string]any{"ok": false, "error": "no_such_subteam"}
		}
		return map[string]any{"ok": true, "users": slices.Clone(members)}
	case "conversations.history":
		// The card's blocks, as the desk reads them back: latest=oldest=ts,
		// inclusive, limit 1.
		var msgs []any
		if f, ok := s.messages[form.Get("latest")]; ok && f.Get("channel") == form.Get("channel") {
			m := map[string]any{"type": "message", "ts": form.Get("latest"), "text": f.Get("text")}
			if u := f.Get("user"); u != "" {
				m["user"] = u
			} else {
				m["bot_id"], m["user"] = "B1", "UBOT"
			}
			if b := f.Get("blocks"); b != "" {
				m["blocks"] = json.RawMessage(b)
			}
			msgs = append(msgs, m)
		}
		return map[string]any{"ok": true, "messages": msgs, "has_more": false, "pin_count": 0}
	case "chat.postEphemeral":
		return map[string]any{"ok": true, "message_ts": s.nextTS()}
	case "conversations.members":
		return map[string]any{"ok": true, "members": slices.Clone(s.members),
			"response_metadata": map[string]string{"next_cursor": ""}}
	case "users.info":
		id := form.Get("user")
		name, ok := s.names[id]
		if !ok {
			return map[string]any{"ok": false, "error": "user_not_found"}
		}
		return map[string]any{"ok": true, "user": map[string]any{
			"id": id, "name": strings.ToLower(name), "real_name": name + " Kowalska",
			"profile": map[string]any{"first_name": name, "real_name": name + " Kowalska"},
		}}
	case "apps.connections.open":
		if s.socketURL == "" {
			return map[string]any{"ok": false, "error": "not_allowed"}
		}
		return map[string]any{"ok": true, "url": s.socketURL}
	}
	return map[string]any{"ok": false, "error": "unknown_method"}
}

// nextTS is a message timestamp unique within the server, as Slack's are
// within a channel.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("1700000000.%06d", s.seq)
}
