// Package telegramtest is a fake of the Telegram Bot API on a loopback port,
// for tests of the Telegram channel and of commands that wire it. It speaks
// the wire protocol as Telegram does — form-encoded POSTs to
// /bot<token>/<method>, ok/result envelopes, getUpdates long polling with
// offsets, 429 with retry_after, callback queries, webhooks with a secret
// token — and records every call so tests can check what residents saw.
//
// It declares its own wire types instead of importing an SDK, so that it
// checks the SDK's encoding rather than sharing it.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Limits of the Bot API that the fake enforces.
const (
	MaxTextLength       = 4096 // UTF-16 code units of a message text
	MaxCallbackDataSize = 64   // bytes of a button's callback_data
)

// BotUsername is the username getMe reports.
const BotUsername = "OkienkoTestBot"

// Button is one inline keyboard button.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Keyboard is an inline keyboard (reply_markup of a message).
type Keyboard struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

// Buttons lists the keyboard's buttons row by row.
func (k *Keyboard) Buttons() []Button {
	if k == nil {
		return nil
	}
	var bs []Button
	for _, row := range k.InlineKeyboard {
		bs = append(bs, row...)
	}
	return bs
}

// Message is a message the bot sent, as the fake keeps it (edits included).
type Message struct {
	ChatID    int64
	MessageID int
	Text      string
	Keyboard  *Keyboard
	ParseMode string
	Entities  []Entity // the entities field (bold, italic…), as sent
}

// Entity is a MessageEntity of the Bot API: a run of a message's text with
// a type, its offset and length counted in UTF-16 code units.
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// entityTypes are the MessageEntity types a bot may send.
var entityTypes = map[string]bool{"mention": true, "hashtag": true, "cashtag": true, "bot_command": true,
	"url": true, "email": true, "phone_number": true, "bold": true, "italic": true, "underline": true,
	"strikethrough": true, "spoiler": true, "code": true, "pre": true, "text_link": true, "text_mention": true,
	"custom_emoji": true, "blockquote": true, "expandable_blockquote": true}

// parseEntities reads the entities parameter (a JSON array) and checks
// each entity as Telegram does: a known type, inside the text.
func parseEntities(raw, text string) ([]Entity, *apiError) {
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var es []Entity
	if err := json.Unmarshal([]byte(raw), &es); err != nil {
		return nil, badRequest("can't parse entities: %v", err)
	}
	n := len(utf16.Encode([]rune(text)))
	for _, e := range es {
		if !entityTypes[e.Type] {
			return nil, badRequest("can't parse entities: unsupported entity type %q", e.Type)
		}
		if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n {
			return nil, badRequest("can't parse entities: entity beyond the end of the text")
		}
	}
	return es, nil
}

// Call is one request the bot made.
type Call struct {
	Method string
	Params url.Values
	At     time.Time
	Status int // the HTTP status the fake answered
}

// ChatID returns the call's chat_id parameter, or 0.
func (c Call) ChatID() int64 {
	id, _ := strconv.ParseInt(c.Params.Get("chat_id"), 10, 64)
	return id
}

// Server is the fake Bot API. Create it with New; it stops with the test.
type Server struct {
	// URL is the server's base address, e.g. http://127.0.0.1:34567.
	URL string
	// Token is the bot token the server accepts.
	Token string

	srv *httptest.Server

	mu            sync.Mutex
	nextUpdateID  int
	updates       []pending // not yet confirmed, ascending ids
	delivered     map[int]json.RawMessage
	notify        chan struct{} // closed when updates arrive
	poll          chan struct{} // closed to end the running getUpdates
	calls         []Call
	messages      map[int64][]*Message
	callbacks     map[string]bool // callback query id → answered
	nextQuery     int
	webhookURL    string
	webhookSecret string
	commands      map[string]json.RawMessage // language_code → commands
	throttle      int                        // further send calls answered with 429
	retryAfter    int
	blocked       map[int64]time.Time // chat → end of its retry_after window
	early         int                 // calls inside a retry_after window
	lastSend      map[int64]time.Time
	minInterval   time.Duration
	perSecond     int
	window        []time.Time // successful sends in the last second
	violations    int
	storm         storm // every sending call answered with 429 for a while (storm.go)
	failing       int   // further sending calls answered with failStatus (Fail)
	failStatus    int
	failed        int
	blockedBy     map[int64]bool        // chats whose resident blocked the bot (Block)
	sent          map[int64][]Message   // every accepted sendMessage as sent, per chat (webhook.go)
	files         map[string]storedFile // file_id → a file residents sent (files.go)
}

type pending struct {
	id  int
	raw json.RawMessage // the update object, update_id included
}

// New starts a fake Bot API for token on a loopback port.
func New(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{
		Token:        token,
		nextUpdateID: 1000,
		delivered:    map[int]json.RawMessage{},
		notify:       make(chan struct{}),
		messages:     map[int64][]*Message{},
		callbacks:    map[string]bool{},
		commands:     map[string]json.RawMessage{},
		blocked:      map[int64]time.Time{},
		blockedBy:    map[int64]bool{},
		lastSend:     map[int64]time.Time{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Endpoint is the API endpoint pattern for the SDK: URL + "/bot%s/%s".
func (s *Server) Endpoint() string { return s.URL + "/bot%s/%s" }

// Close stops the server; pending long polls end.
func (s *Server) Close() {
	s.mu.Lock()
	if s.poll != nil {
		close(s.poll)
		s.poll = nil
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Throttle answers the next n sending calls (sendMessage, editMessage*)
// with 429 and retry_after seconds, as Telegram's flood control does. A
// chat that got a 429 keeps getting 429 until its retry_after has passed;
// such early calls are counted by Early.
func (s *Server) Throttle(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.retryAfter = n, retryAfter
}

// Fail answers the next n sending calls (sendMessage, editMessage*) with
// the HTTP status (500, 502…) and the Bot API's JSON error, as Telegram
// does when it fails inside: {"ok":false,"error_code":500,"description":
// "Internal Server Error"}. Nothing is sent; Telegram does not retry.
func (s *Server) Fail(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing, s.failStatus = n, status
}

// Block makes the resident of a private chat block the bot: from now on
// every call to the chat (sendMessage, editMessage*, sendChatAction) is
// answered as Telegram answers it, HTTP 403 with {"ok":false,
// "error_code":403,"description":"Forbidden: bot was blocked by the
// user"}. Nothing is sent.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blockedBy[chatID] = true
}

// Unblock lets the bot write to the chat again (the resident unblocked it).
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blockedBy, chatID)
}

// forbidden answers a call to a chat whose resident blocked the bot.
func (s *Server) forbidden(chatID int64) *apiError {
	if s.blockedBy[chatID] {
		return &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	}
	return nil
}

// Failed counts the sending calls answered by Fail.
func (s *Server) Failed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// Early counts sending calls made inside a retry_after window.
func (s *Server) Early() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.early
}

// EnforceRates makes the fake answer 429 (retry_after 1) to a sending call
// that comes sooner than minInterval after the previous one to the same
// chat, or beyond perSecond calls within a second; Violations counts them.
// Zero disables a limit.
func (s *Server) EnforceRates(minInterval time.Duration, perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minInterval, s.perSecond = minInterval, perSecond
}

// Violations counts sending calls that broke the rates of EnforceRates.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// PrivateText queues a text message from a resident in their private chat
// (chat id = user id) and returns its update_id.
func (s *Server) PrivateText(userID int64, lang, text string) int {
	return s.AddUpdate(map[string]any{"message": s.PrivateMessage(userID, lang, map[string]any{"text": text})})
}

// PrivateMessage builds a message object in userID's private chat with the
// given extra fields (text, photo, contact…).
func (s *Server) PrivateMessage(userID int64, lang string, fields map[string]any) map[string]any {
	m := map[string]any{
		"message_id": s.residentMessageID(),
		"date":       time.Now().Unix(),
		"from":       map[string]any{"id": userID, "is_bot": false, "first_name": "Resident", "language_code": lang},
		"chat":       map[string]any{"id": userID, "type": "private", "first_name": "Resident"},
	}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

func (s *Server) residentMessageID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextQuery++
	return 1_000_000 + s.nextQuery
}

// Press queues a callback query: the resident userID pressed the button with
// data under the bot's message messageID in their private chat. The query
// carries the message as Telegram does (text and keyboard as they are now).
// It returns the update_id and the query id.
func (s *Server) Press(userID int64, lang string, messageID int, data string) (updateID int, queryID string) {
	s.mu.Lock()
	var msg map[string]any
	for _, m := range s.messages[userID] {
		if m.MessageID == messageID {
			msg = map[string]any{
				"message_id": m.MessageID,
				"date":       time.Now().Unix(),
				"from":       map[string]any{"id": 1, "is_bot": true, "first_name": "Okienko", "username": BotUsername},
				"chat":       map[string]any{"id": userID, "type": "private"},
				"text":       m.Text,
			}
			if m.Keyboard != nil {
				msg["reply_markup"] = m.Keyboard
			}
		}
	}
	s.nextQuery++
	queryID = fmt.Sprintf("q%d", s.nextQuery)
	s.callbacks[queryID] = false
	s.mu.Unlock()
	cq := map[string]any{
		"id":            queryID,
		"from":          map[string]any{"id": userID, "is_bot": false, "first_name": "Resident", "language_code": lang},
		"chat_instance": "ci" + strconv.FormatInt(userID, 10),
		"data":          data,
	}
	if msg != nil {
		cq["message"] = msg
	}
	return s.AddUpdate(map[string]any{"callback_query": cq}), queryID
}

// AddUpdate queues an update with the given fields (message, callback_query…)
// under the next update_id, which it returns.
func (s *Server) AddUpdate(fields map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdateID++
	id := s.nextUpdateID
	u := map[string]any{"update_id": id}
	for k, v := range fields {
		u[k] = v
	}
	raw, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: update: %v", err))
	}
	s.delivered[id] = raw
	s.updates = append(s.updates, pending{id: id, raw: raw})
	s.wake()
	return id
}

// Update returns the JSON of an update added earlier.
func (s *Server) Update(id int) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered[id]
}

// Redeliver queues an update again with the same update_id, as Telegram does
// when a bot stopped before confirming it.
func (s *Server) Redeliver(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.delivered[id]
	if !ok {
		panic(fmt.Sprintf("telegramtest: no update %d to redeliver", id))
	}
	s.updates = append(s.updates, pending{id: id, raw: raw})
	slices.SortStableFunc(s.updates, func(a, b pending) int { return a.id - b.id })
	s.wake()
}

// Delivered counts the messages the bot sent successfully, cheaply.
func (s *Server) Delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ms := range s.messages {
		n += len(ms)
	}
	return n
}

// Polling reports whether a getUpdates call is waiting for updates.
func (s *Server) Polling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.poll != nil
}

// Pending counts updates not yet confirmed by getUpdates offsets.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

func (s *Server) wake() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// Webhook returns the URL and secret token set by setWebhook.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.webhookSecret
}

// Deliver posts update id to the webhook set by setWebhook, with its secret
// token, as Telegram does, and returns the HTTP status.
func (s *Server) Deliver(id int) (int, error) {
	s.mu.Lock()
	raw, target, secret := s.delivered[id], s.webhookURL, s.webhookSecret
	s.mu.Unlock()
	if target == "" {
		return 0, fmt.Errorf("telegramtest: no webhook set")
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Commands returns the commands set by setMyCommands for a language_code
// ("" for all languages), as JSON.
func (s *Server) Commands(lang string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[lang]
}

// Calls returns the calls of the given methods (all if none given) in order.
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

// Messages returns the messages the bot sent to a chat, oldest first, as
// they are now (after edits).
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[chatID]))
	for _, m := range s.messages[chatID] {
		out = append(out, *m)
	}
	return out
}

// WaitMessages waits until the bot has sent at least n messages to chatID
// and returns them; it fails the test after timeout.
func (s *Server) WaitMessages(t testing.TB, chatID int64, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages(chatID)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("telegramtest: chat %d got %d messages within %v, want %d: %q", chatID, len(ms), timeout, n, texts(ms))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitConfirmed waits until getUpdates confirmed every update (the bot
// handled them and asked for more); it fails the test after timeout.
func (s *Server) WaitConfirmed(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for s.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("telegramtest: %d updates still unconfirmed after %v", s.Pending(), timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func texts(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// envelope is the Bot API's answer.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

// apiError is a failed call: HTTP status, description, optional retry_after.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.download(w, r)
		return
	}
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !ok || !strings.HasPrefix(r.URL.Path, "/bot") {
		s.reply(w, nil, "", nil, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	if token != s.Token {
		s.reply(w, nil, method, nil, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	if r.Method != http.MethodPost {
		s.reply(w, nil, method, nil, badRequest("the fake accepts only POST"))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.reply(w, nil, method, nil, badRequest("the fake expects a form-encoded body, got %q", ct))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.reply(w, nil, method, nil, badRequest("bad form: %v", err))
		return
	}
	params := r.PostForm
	var result any
	var apiErr *apiError
	switch method {
	case "getMe":
		result = map[string]any{"id": 1, "is_bot": true, "first_name": "Okienko", "username": BotUsername}
	case "getUpdates":
		result, apiErr = s.getUpdates(r, params)
	case "sendMessage":
		result, apiErr = s.sendMessage(params)
	case "editMessageText", "editMessageReplyMarkup":
		result, apiErr = s.editMessage(method, params)
	case "answerCallbackQuery":
		result, apiErr = s.answerCallback(params)
	case "sendChatAction":
		result, apiErr = s.chatAction(params)
	case "setMyCommands":
		result, apiErr = s.setCommands(params)
	case "setWebhook":
		result, apiErr = s.setWebhook(params)
	case "getFile":
		result, apiErr = s.getFile(params)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhookURL, s.webhookSecret = "", ""
		s.mu.Unlock()
		result = true
	default:
		apiErr = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	}
	s.reply(w, params, method, result, apiErr)
}

func (s *Server) reply(w http.ResponseWriter, params url.Values, method string, result any, apiErr *apiError) {
	env := envelope{OK: true, Result: result}
	status := http.StatusOK
	if apiErr != nil {
		status = apiErr.code
		env = envelope{ErrorCode: apiErr.code, Description: apiErr.desc}
		if apiErr.retryAfter > 0 {
			env.Parameters = &responseParams{RetryAfter: apiErr.retryAfter}
		}
	}
	if method != "" {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: method, Params: params, At: time.Now(), Status: status})
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(env)
}

func (s *Server) getUpdates(r *http.Request, p url.Values) (any, *apiError) {
	offset, _ := strconv.Atoi(p.Get("offset"))
	limit, _ := strconv.Atoi(p.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p.Get("timeout"))
	var allowed []string
	if a := p.Get("allowed_updates"); a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return nil, badRequest("can't parse allowed_updates JSON")
		}
	}
	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if s.poll != nil {
		close(s.poll) // a newer getUpdates ends the running one
	}
	mine := make(chan struct{})
	s.poll = mine
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.poll == mine {
			s.poll = nil
		}
		s.mu.Unlock()
	}()
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if offset > 0 {
			kept := s.updates[:0]
			for _, u := range s.updates {
				if u.id >= offset {
					kept = append(kept, u)
				}
			}
			s.updates = kept
		}
		var out []json.RawMessage
		for _, u := range s.updates {
			if len(out) == limit {
				break
			}
			if allowedUpdate(u.raw, allowed) {
				out = append(out, u.raw)
			}
		}
		wait := s.notify
		s.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			return out, nil
		}
		select {
		case <-wait:
		case <-deadline.C:
			timeout = 0
		case <-mine:
			return nil, &apiError{code: http.StatusConflict, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case <-r.Context().Done():
			return []json.RawMessage{}, nil
		}
	}
}

func allowedUpdate(raw json.RawMessage, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	for _, a := range allowed {
		if _, ok := fields[a]; ok {
			return true
		}
	}
	return false
}

// limitSend applies Throttle and EnforceRates to a sending call for chatID.
func (s *Server) limitSend(chatID int64) *apiError {
	if apiErr := s.forbidden(chatID); apiErr != nil {
		return apiErr
	}
	now := time.Now()
	if s.failing > 0 {
		s.failing--
		s.failed++
		return &apiError{code: s.failStatus, desc: http.StatusText(s.failStatus)}
	}
	if until, ok := s.blocked[chatID]; ok && now.Before(until) {
		s.early++
		return tooMany(int((until.Sub(now) + time.Second - 1) / time.Second))
	}
	if apiErr := s.storm.refuse(now); apiErr != nil {
		s.blocked[chatID] = now.Add(time.Duration(apiErr.retryAfter) * time.Second)
		return apiErr
	}
	if s.throttle > 0 {
		s.throttle--
		s.blocked[chatID] = now.Add(time.Duration(s.retryAfter) * time.Second)
		return tooMany(s.retryAfter)
	}
	if s.minInterval > 0 {
		if last, ok := s.lastSend[chatID]; ok && now.Sub(last) < s.minInterval {
			s.violations++
			return tooMany(1)
		}
	}
	if s.perSecond > 0 {
		cut := 0
		for cut < len(s.window) && now.Sub(s.window[cut]) >= time.Second {
			cut++
		}
		s.window = s.window[cut:]
		if len(s.window) >= s.perSecond {
			s.violations++
			return tooMany(1)
		}
		s.window = append(s.window, now)
	}
	s.lastSend[chatID] = now
	return nil
}

func tooMany(retryAfter int) *apiError {
	return &apiError{code: http.StatusTooManyRequests, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
}

func (s *Server) sendMessage(p url.Values) (any, *apiError) {
	chatID, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil || chatID == 0 {
		return nil, badRequest("chat not found")
	}
	text := p.Get("text")
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	if len(utf16.Encode([]rune(text))) > MaxTextLength {
		return nil, badRequest("message is too long")
	}
	mode := p.Get("parse_mode")
	if mode != "" && mode != "HTML" && mode != "MarkdownV2" && mode != "Markdown" {
		return nil, badRequest("unsupported parse_mode")
	}
	kb, apiErr := parseKeyboard(p.Get("reply_markup"))
	if apiErr != nil {
		return nil, apiErr
	}
	ents, apiErr := parseEntities(p.Get("entities"), text)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if apiErr := s.limitSend(chatID); apiErr != nil {
		return nil, apiErr
	}
	m := &Message{ChatID: chatID, MessageID: len(s.messages[chatID]) + 1, Text: text, Keyboard: kb, ParseMode: mode, Entities: ents}
	s.messages[chatID] = append(s.messages[chatID], m)
	s.recordSent(*m)
	return messageJSON(m), nil
}

func messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"message_id": m.MessageID,
		"date":       time.Now().Unix(),
		"from":       map[string]any{"id": 1, "is_bot": true, "first_name": "Okienko", "username": BotUsername},
		"chat":       map[string]any{"id": m.ChatID, "type": "private"},
		"text":       m.Text,
	}
	if m.Keyboard != nil {
		out["reply_markup"] = m.Keyboard
	}
	if len(m.Entities) > 0 {
		out["entities"] = m.Entities
	}
	return out
}

func parseKeyboard(raw string) (*Keyboard, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var kb Keyboard
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	if kb.InlineKeyboard == nil {
		return nil, badRequest("the fake knows only inline keyboards")
	}
	for _, b := range kb.Buttons() {
		if b.Text == "" {
			return nil, badRequest("button text is empty")
		}
		if (b.CallbackData == "") == (b.URL == "") || len(b.CallbackData) > MaxCallbackDataSize {
			return nil, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil, nil // an empty keyboard removes the keyboard
	}
	return &kb, nil
}

func (s *Server) editMessage(method string, p url.Values) (any, *apiError) {
	chatID, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	id, _ := strconv.Atoi(p.Get("message_id"))
	kb, apiErr := parseKeyboard(p.Get("reply_markup"))
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *Message
	for _, x := range s.messages[chatID] {
		if x.MessageID == id {
			m = x
		}
	}
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	text := m.Text
	if method == "editMessageText" {
		text = p.Get("text")
		if strings.TrimSpace(text) == "" {
			return nil, badRequest("message text is empty")
		}
		if len(utf16.Encode([]rune(text))) > MaxTextLength {
			return nil, badRequest("MESSAGE_TOO_LONG")
		}
	}
	oldKB, _ := json.Marshal(m.Keyboard)
	newKB, _ := json.Marshal(kb)
	if text == m.Text && bytes.Equal(oldKB, newKB) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	if apiErr := s.limitSend(chatID); apiErr != nil {
		return nil, apiErr
	}
	m.Text, m.Keyboard = text, kb
	return messageJSON(m), nil
}

func (s *Server) answerCallback(p url.Values) (any, *apiError) {
	id := p.Get("callback_query_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, ok := s.callbacks[id]
	if !ok || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.callbacks[id] = true
	return true, nil
}

// Answered reports whether the callback query was answered.
func (s *Server) Answered(queryID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbacks[queryID]
}

var chatActions = []string{"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}

func (s *Server) chatAction(p url.Values) (any, *apiError) {
	chatID, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	s.mu.Lock()
	apiErr := s.forbidden(chatID)
	s.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}
	if !slices.Contains(chatActions, p.Get("action")) {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setCommands(p url.Values) (any, *apiError) {
	var cmds []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	raw := p.Get("commands")
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(c.Description)); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	lang := p.Get("language_code")
	if lang != "" && !regexp.MustCompile(`^[a-z]{2}$`).MatchString(lang) {
		return nil, badRequest("invalid language code specified")
	}
	if sc := p.Get("scope"); sc != "" {
		var scope struct {
			Type string `json:"type"`
		}
		if json.Unmarshal([]byte(sc), &scope) != nil || scope.Type == "" {
			return nil, badRequest("can't parse BotCommandScope JSON object")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[lang] = json.RawMessage(raw)
	return true, nil
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(p url.Values) (any, *apiError) {
	u, err := url.Parse(p.Get("url"))
	if p.Get("url") != "" && (err != nil || u.Host == "") {
		return nil, badRequest("bad webhook: invalid URL")
	}
	secret := p.Get("secret_token")
	if secret != "" && !secretRE.MatchString(secret) {
		return nil, badRequest("bad webhook: secret token contains unallowed characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.webhookSecret = p.Get("url"), secret
	return true, nil
}
