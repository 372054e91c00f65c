package telegram_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"okienko/bot"
	"okienko/bot/metrics"
	"okienko/bot/script"
	"okienko/bot/telegram"
	"okienko/bot/telegram/telegramtest"
	"okienko/dialogs"
)

func TestRateLimitStormDelaysButDropsNothing(t *testing.T) {
	srv := telegramtest.New(t, token)
	reg := metrics.New()
	h := start(t, srv, nil, func(c *telegram.Config) { c.Metrics = reg })
	srv.Throttle(6, 1) // the first six sends get 429, retry_after 1 s
	chats := []int64{601, 602, 603}
	for _, c := range chats {
		srv.PrivateText(c, "pl", "/start")
		srv.PrivateText(c, "pl", "/pomoc")
	}
	srv.WaitConfirmed(t, timeout)
	staff := []string{"Dzień dobry, tu Anna z Centrum.", "Czy może Pani przyjść jutro?", "Zapraszam o 10:00."}
	for _, c := range chats {
		for _, s := range staff {
			if err := h.bot.Send(itoa(c), bot.Reply{Text: s}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range chats {
		ms := srv.WaitMessages(t, c, 5, 10*time.Second)
		got := texts(ms)
		if !strings.Contains(got[0], "Jestem Okienko") || !strings.Contains(got[1], "/czlowiek") || !slices.Equal(got[2:], staff) {
			t.Errorf("chat %d got %q, want welcome, help, then the staff replies in order", c, got)
		}
	}
	if n := srv.Early(); n != 0 {
		t.Errorf("%d calls came before retry_after had passed", n)
	}
	var limited int
	sends := srv.Calls("sendMessage")
	for i, c := range sends {
		if c.Status != http.StatusTooManyRequests {
			continue
		}
		limited++
		for _, next := range sends[i+1:] {
			if next.ChatID() == c.ChatID() {
				if gap := next.At.Sub(c.At); gap < time.Second {
					t.Errorf("chat %d: retried %v after a 429 with retry_after 1", c.ChatID(), gap)
				}
				break
			}
		}
	}
	if limited != 6 {
		t.Errorf("%d calls got 429, want 6", limited)
	}
	var out strings.Builder
	if _, err := reg.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "okienko_telegram_rate_limited_total 6\n") {
		t.Errorf("metrics do not count the six 429s:\n%s", out.String())
	}
	if strings.Contains(out.String(), "okienko_telegram_dropped_total") {
		t.Errorf("metrics count dropped messages in a storm that drops nothing:\n%s", out.String())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestBurstStaysWithinRates(t *testing.T) {
	srv := telegramtest.New(t, token)
	srv.EnforceRates(40*time.Millisecond, 25)
	h := start(t, srv, nil, func(c *telegram.Config) {
		c.PerChatInterval = 50 * time.Millisecond
		c.MessagesPerSecond = 20
	})
	chats := []int64{611, 612, 613, 614, 615}
	const per = 6
	for i := range per {
		for _, c := range chats {
			if err := h.bot.Send(itoa(c), bot.Reply{Text: "wiadomość " + itoa(int64(i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range chats {
		ms := srv.WaitMessages(t, c, per, 10*time.Second)
		for i, m := range ms {
			if want := "wiadomość " + itoa(int64(i)); m.Text != want {
				t.Errorf("chat %d message %d = %q, want %q", c, i, m.Text, want)
			}
		}
	}
	if n := srv.Violations(); n != 0 {
		t.Errorf("%d calls broke the per-chat or overall rate", n)
	}
}

func TestNonTextUpdates(t *testing.T) {
	h := start(t, nil, nil, nil)
	srv := h.srv
	const me = 701
	send := func(lang string, fields map[string]any) []telegramtest.Message {
		t.Helper()
		n := len(srv.Messages(me))
		srv.AddUpdate(map[string]any{"message": srv.PrivateMessage(me, lang, fields)})
		return srv.WaitMessages(t, me, n+1, timeout)[n:]
	}
	photo := []map[string]any{{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}}
	for _, tc := range []struct {
		name   string
		lang   string
		fields map[string]any
		want   string
	}{
		// Files staff can read go to the engine: outside a case it says a
		// person can see them (in the conversation's language, Polish here).
		{"photo", "pl", map[string]any{"photo": photo}, "pracownik Centrum może je zobaczyć"},
		{"sticker in English", "en-GB", map[string]any{"sticker": map[string]any{"file_id": "CAAD", "file_unique_id": "u2", "width": 512, "height": 512, "is_animated": false}}, "I can only read text messages"},
		{"voice", "uk", map[string]any{"voice": map[string]any{"file_id": "AwAD", "file_unique_id": "u3", "duration": 4}}, "pracownik Centrum może je zobaczyć"},
		{"location", "pl", map[string]any{"location": map[string]any{"latitude": 52.23, "longitude": 21.01}}, "Czytam tylko wiadomości tekstowe"},
		{"document", "ru", map[string]any{"document": map[string]any{"file_id": "BQAD", "file_unique_id": "u4"}}, "pracownik Centrum może je zobaczyć"},
	} {
		got := send(tc.lang, tc.fields)
		if len(got) != 1 || !strings.Contains(got[0].Text, tc.want) {
			t.Errorf("%s: replies %q, want one containing %q", tc.name, texts(got), tc.want)
		}
	}
	if n := len(h.rec.messages()); n != 3 {
		t.Errorf("the engine got %d files, want the photo, voice and document", n)
	}

	// An edited message is not read again.
	n := len(srv.Messages(me))
	srv.AddUpdate(map[string]any{"edited_message": srv.PrivateMessage(me, "pl", map[string]any{"text": "poprawka", "edit_date": time.Now().Unix()})})
	if got := srv.WaitMessages(t, me, n+1, timeout)[n:]; !strings.Contains(got[0].Text, "czytam tylko nowe") {
		t.Errorf("edited: %q", got[0].Text)
	}

	// A caption is read (it may ask for help); the file is not.
	got := send("pl", map[string]any{"photo": photo, "caption": "/start"})
	got = append(got, srv.WaitMessages(t, me, n+3, timeout)[n+2:]...)
	if !strings.Contains(got[0].Text, "Nie umiem odczytać zdjęć") || !strings.Contains(got[1].Text, "Jestem Okienko") {
		t.Errorf("caption: %q", texts(got))
	}

	// A shared contact answers the phone question.
	srv.PrivateText(me, "pl", "/czlowiek")
	ms := srv.WaitMessages(t, me, n+4, timeout)
	srv.Press(me, "pl", ms[len(ms)-1].MessageID, "telefon")
	srv.WaitMessages(t, me, n+5, timeout)
	got = send("pl", map[string]any{"contact": map[string]any{"phone_number": "+48501234567", "first_name": "Resident", "user_id": me}})
	if !strings.Contains(got[0].Text, "30 dniach") {
		t.Errorf("after the contact: %q, want the consent question", got[0].Text)
	}
	msgs := h.rec.messages()
	if last := msgs[len(msgs)-1]; last.Phone != "+48501234567" || last.Text != "" {
		t.Errorf("contact message = %+v", last)
	}
	if logs := h.logs.String(); strings.Contains(logs, "501234567") {
		t.Errorf("the phone number is in the logs:\n%s", logs)
	}
}

func TestGroupChatPointsToPrivateChat(t *testing.T) {
	h := start(t, nil, nil, func(c *telegram.Config) { c.PerGroupInterval = 20 * time.Millisecond })
	srv := h.srv
	const group = -1001234567890
	say := func(text string) {
		srv.AddUpdate(map[string]any{"message": map[string]any{
			"message_id": 10, "date": time.Now().Unix(), "text": text,
			"from": map[string]any{"id": 801, "is_bot": false, "first_name": "Jan", "language_code": "pl"},
			"chat": map[string]any{"id": group, "type": "supergroup", "title": "Osiedle"},
		}})
	}
	say("/start@" + telegramtest.BotUsername)
	say("mąż mnie bije, nie wiem co robić") // group talk: none of the bot's business
	say("@" + telegramtest.BotUsername + " gdzie jest MOPS?")
	srv.WaitConfirmed(t, timeout)
	ms := srv.WaitMessages(t, group, 2, timeout)
	time.Sleep(100 * time.Millisecond)
	ms = srv.Messages(group)
	if len(ms) != 2 {
		t.Fatalf("group got %q, want two pointers to a private chat", texts(ms))
	}
	for _, m := range ms {
		if !strings.Contains(m.Text, "prywatnym czacie") || !strings.Contains(m.Text, "@"+telegramtest.BotUsername) {
			t.Errorf("group reply %q", m.Text)
		}
	}
	if n := len(h.rec.messages()); n != 0 {
		t.Errorf("the engine got %d group messages", n)
	}
}

func TestLongRepliesAreSplitOnParagraphs(t *testing.T) {
	h := start(t, nil, nil, nil)
	const me = 901
	paras := []string{strings.Repeat("Pierwszy akapit. ", 170), strings.Repeat("Drugi akapit. ", 200), strings.Repeat("Trzeci. ", 100)}
	for i := range paras {
		paras[i] = strings.TrimSpace(paras[i])
	}
	text := strings.Join(paras, "\n\n")
	if err := h.bot.Send(itoa(me), bot.Reply{Text: text, Choices: []bot.Choice{{ID: "tak", Label: "Tak"}}}); err != nil {
		t.Fatal(err)
	}
	ms := h.srv.WaitMessages(t, me, 2, timeout)
	time.Sleep(100 * time.Millisecond)
	ms = h.srv.Messages(me)
	want := []string{paras[0], paras[1] + "\n\n" + paras[2]}
	if !slices.Equal(texts(ms), want) {
		t.Fatalf("parts %d, lengths %v; want the first paragraph, then the other two", len(ms), lengths(ms))
	}
	if ms[0].Keyboard != nil || ms[1].Keyboard == nil {
		t.Errorf("the keyboard belongs under the last part only")
	}

	// One huge paragraph of emoji (two UTF-16 units each) is cut between
	// characters.
	emoji := strings.Repeat("🙂", 3000)
	if err := h.bot.Send(itoa(me), bot.Reply{Text: emoji}); err != nil {
		t.Fatal(err)
	}
	ms = h.srv.WaitMessages(t, me, 4, timeout)[2:]
	if ms[0].Text+ms[1].Text != emoji {
		t.Errorf("emoji parts do not add up: %v", lengths(ms))
	}
	for _, m := range ms {
		if n := len(utf16.Encode([]rune(m.Text))); n > telegramtest.MaxTextLength {
			t.Errorf("part of %d units", n)
		}
	}
}

func lengths(ms []telegramtest.Message) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = len(utf16.Encode([]rune(m.Text)))
	}
	return out
}

func TestTextIsSentAsWritten(t *testing.T) {
	h := start(t, nil, nil, nil)
	const me = 902
	text := "<b>Uwaga</b> *ważne* _x_ [link](http://x) & 1 < 2 — ul. Długa 5/7 #3 (parter)!"
	if err := h.bot.Send(itoa(me), bot.Reply{Text: text}); err != nil {
		t.Fatal(err)
	}
	ms := h.srv.WaitMessages(t, me, 1, timeout)
	if ms[0].Text != text || ms[0].ParseMode != "" {
		t.Errorf("sent %q with parse_mode %q, want it as written, plain", ms[0].Text, ms[0].ParseMode)
	}
}

func TestLongChoiceIDsUseTheLabel(t *testing.T) {
	h := start(t, nil, nil, nil)
	const me = 903
	long := strings.Repeat("bardzo_dlugi_identyfikator_", 3)
	err := h.bot.Send(itoa(me), bot.Reply{Text: "Wybierz:", Choices: []bot.Choice{{ID: long, Label: "Seniorzy"}, {ID: "/czlowiek", Label: "Człowiek"}}})
	if err != nil {
		t.Fatal(err)
	}
	ms := h.srv.WaitMessages(t, me, 1, timeout)
	if got := lastButtons(ms); !slices.Equal(got, []string{"=0", "/czlowiek"}) {
		t.Fatalf("callback data = %q", got)
	}
	h.srv.Press(me, "pl", ms[0].MessageID, "=0")
	h.srv.WaitMessages(t, me, 2, timeout)
	msgs := h.rec.messages()
	if len(msgs) != 1 || msgs[0].Text != "Seniorzy" || msgs[0].Choice != "" {
		t.Fatalf("engine got %+v, want the label as text", msgs)
	}
}

func TestCommandMenu(t *testing.T) {
	h := start(t, nil, nil, nil)
	deadline := time.Now().Add(timeout)
	for len(h.srv.Calls("setMyCommands")) < 4 {
		if time.Now().After(deadline) {
			t.Fatal("command menus not set")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for lang, want := range map[string]string{"": "czlowiek", "pl": "Usuń moje dane", "uk": "liudyna", "en": "Delete my data"} {
		if got := string(h.srv.Commands(lang)); !strings.Contains(got, want) {
			t.Errorf("commands for %q = %s, want %q", lang, got, want)
		}
	}
	for _, c := range h.srv.Calls("setMyCommands") {
		if c.Status != http.StatusOK || c.Params.Get("scope") != `{"type":"all_private_chats"}` {
			t.Errorf("setMyCommands %v: status %d scope %s", c.Params.Get("language_code"), c.Status, c.Params.Get("scope"))
		}
	}
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	t.Run("unreachable API", func(t *testing.T) {
		srv := telegramtest.New(t, token)
		endpoint := srv.Endpoint()
		srv.Close()
		_, err := telegram.New(telegram.Config{Token: token, APIEndpoint: endpoint}, newEngine(t))
		if err == nil {
			t.Fatal("New succeeded without an API")
		}
		if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "<token>") {
			t.Errorf("error = %q, want the URL with <token>", err)
		}
	})
	t.Run("refused token", func(t *testing.T) {
		srv := telegramtest.New(t, "another:token")
		_, err := telegram.New(telegram.Config{Token: token, APIEndpoint: srv.Endpoint()}, newEngine(t))
		if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "Unauthorized") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("API gone while running", func(t *testing.T) {
		h := start(t, nil, nil, func(c *telegram.Config) { c.MaxRetries = 1 })
		h.srv.Close()
		if err := h.bot.Send("904", bot.Reply{Text: "Dzień dobry"}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(timeout)
		for !strings.Contains(h.logs.String(), "dropped after retries") {
			if time.Now().After(deadline) {
				t.Fatalf("no give-up in the logs:\n%s", h.logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		logs := h.logs.String()
		if !strings.Contains(logs, "<token>") {
			t.Errorf("the logs show no redacted URL, so redaction was not exercised:\n%s", logs)
		}
		// start's cleanup checks that the token itself is absent.
	})
}

func TestStopDrainsQueueAndEndsLongPoll(t *testing.T) {
	h := start(t, nil, nil, func(c *telegram.Config) {
		c.PollTimeout = 30 * time.Second // stopping must not wait for it
		c.PerChatInterval = 50 * time.Millisecond
	})
	deadline := time.Now().Add(timeout)
	for !h.srv.Polling() {
		if time.Now().After(deadline) {
			t.Fatal("no long poll")
		}
		time.Sleep(5 * time.Millisecond)
	}
	const me = 905
	for _, s := range []string{"jeden", "dwa", "trzy"} {
		if err := h.bot.Send(itoa(me), bot.Reply{Text: s}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := texts(h.srv.Messages(me)); !slices.Equal(got, []string{"jeden", "dwa", "trzy"}) {
		t.Errorf("sent before stopping: %q", got)
	}
	if err := h.bot.Send(itoa(me), bot.Reply{Text: "po"}); err == nil {
		t.Error("Send after stop succeeded")
	}
	if err := h.bot.Run(context.Background()); err == nil {
		t.Error("a second Run succeeded")
	}
}

func TestNewChecksConfig(t *testing.T) {
	srv := telegramtest.New(t, token)
	eng := newEngine(t)
	for _, tc := range []struct {
		name string
		cfg  telegram.Config
		h    telegram.Handler
	}{
		{"no token", telegram.Config{APIEndpoint: srv.Endpoint()}, eng},
		{"no handler", telegram.Config{Token: token, APIEndpoint: srv.Endpoint()}, nil},
		{"unknown mode", telegram.Config{Token: token, APIEndpoint: srv.Endpoint(), Mode: "push"}, eng},
		{"webhook without URL", telegram.Config{Token: token, APIEndpoint: srv.Endpoint(), Mode: telegram.Webhook, SecretToken: "abc"}, eng},
		{"webhook without secret", telegram.Config{Token: token, APIEndpoint: srv.Endpoint(), Mode: telegram.Webhook, WebhookURL: "https://okienko.example/tg"}, eng},
		{"webhook with a bad secret", telegram.Config{Token: token, APIEndpoint: srv.Endpoint(), Mode: telegram.Webhook, WebhookURL: "https://okienko.example/tg", SecretToken: "spaces are not allowed"}, eng},
	} {
		if tc.h == nil {
			_, err := telegram.New(tc.cfg, nil)
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		if _, err := telegram.New(tc.cfg, tc.h); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	b, err := telegram.New(telegram.Config{Token: token, APIEndpoint: srv.Endpoint(), Logger: slog.New(slog.DiscardHandler)}, eng)
	if err != nil {
		t.Fatal(err)
	}
	if b.Username() != telegramtest.BotUsername {
		t.Errorf("username %q", b.Username())
	}
}

// downStore fails every call, like a Redis that is down.
type downStore struct{}

func (downStore) Load(context.Context, string, string) (*bot.Session, bool, error) {
	return nil, false, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}
func (downStore) Save(context.Context, *bot.Session, string) error {
	return errors.New("connection refused")
}
func (downStore) Erase(context.Context, string) error { return errors.New("connection refused") }

func TestStoreDownSendsTheApology(t *testing.T) {
	sc, _ := script.Load(dialogs.Scripts(), "dialogs")
	eng, err := bot.New(bot.Config{Script: sc, Store: downStore{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, nil, eng, nil)
	const me = 906
	h.srv.PrivateText(me, "pl", "dzień dobry")
	ms := h.srv.WaitMessages(t, me, 1, timeout)
	if !strings.Contains(ms[0].Text, "Przepraszamy") || strings.Contains(ms[0].Text, "refused") {
		t.Errorf("reply %q, want the apology without Go error text", ms[0].Text)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "unavailable=true") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
}

// TestBotAPI5xxIsRetriedInOrder: the Bot API answering 500 or 502 (its
// JSON error) loses nothing: the calls are retried with backoff and every
// chat gets its messages in order; they are counted as retries, not drops.
func TestBotAPI5xxIsRetriedInOrder(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := telegramtest.New(t, token)
			reg := metrics.New()
			h := start(t, srv, nil, func(c *telegram.Config) { c.Metrics = reg; c.RetryBackoff = 20 * time.Millisecond })
			srv.Fail(4, status)
			const chat = 701
			srv.PrivateText(chat, "pl", "/start")
			srv.WaitConfirmed(t, timeout)
			staff := []string{"Pierwsza wiadomość.", "Druga wiadomość.", "Trzecia wiadomość."}
			for _, s := range staff {
				if err := h.bot.Send(itoa(chat), bot.Reply{Text: s}); err != nil {
					t.Fatal(err)
				}
			}
			got := texts(srv.WaitMessages(t, chat, 4, 10*time.Second))
			if !strings.Contains(got[0], "Jestem Okienko") || !slices.Equal(got[1:], staff) {
				t.Errorf("chat got %q, want the welcome, then the staff replies in order", got)
			}
			if n := srv.Failed(); n != 4 {
				t.Errorf("%d calls got %d, want 4", n, status)
			}
			var out strings.Builder
			if _, err := reg.WriteTo(&out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "okienko_telegram_retries_total 4\n") || strings.Contains(out.String(), "okienko_telegram_dropped_total") {
				t.Errorf("metrics: want 4 retries and no drops:\n%s", out.String())
			}
		})
	}
}

// TestBotAPI5xxGivenUpAfterTheBound: a Bot API that keeps failing gets a
// call MaxRetries more times, then the call is dropped with a metric and a
// log line, and the chat's next messages go through once it recovers.
func TestBotAPI5xxGivenUpAfterTheBound(t *testing.T) {
	srv := telegramtest.New(t, token)
	reg := metrics.New()
	h := start(t, srv, nil, func(c *telegram.Config) {
		c.Metrics, c.MaxRetries, c.RetryBackoff = reg, 2, 10*time.Millisecond
	})
	const chat = 702
	srv.PrivateText(chat, "pl", "/start")
	srv.WaitConfirmed(t, timeout)
	srv.WaitMessages(t, chat, 1, 10*time.Second)
	srv.Fail(3, http.StatusInternalServerError) // the first try and both retries
	if err := h.bot.Send(itoa(chat), bot.Reply{Text: "Ta przepadnie."}); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.Send(itoa(chat), bot.Reply{Text: "Ta dojdzie."}); err != nil {
		t.Fatal(err)
	}
	got := texts(srv.WaitMessages(t, chat, 2, 10*time.Second))
	if got[1] != "Ta dojdzie." {
		t.Errorf("chat got %q, want the welcome and the message after the dropped one", got)
	}
	var out strings.Builder
	if _, err := reg.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"okienko_telegram_dropped_total 1\n", "okienko_telegram_gave_up_total 1\n", "okienko_telegram_retries_total 2\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(h.logs.String(), "telegram message dropped after retries") {
		t.Errorf("no log line for the dropped message:\n%s", h.logs.String())
	}
}

// TestStaffFormattingAsEntities: the bold and italic spans of a staff reply
// (byte offsets into the text) reach Telegram as MessageEntity bold and
// italic, with offset and length in UTF-16 code units — an emoji before
// them counts two, Polish letters one — and the text itself stays plain.
// A reply split in two parts carries each span in its own part.
func TestStaffFormattingAsEntities(t *testing.T) {
	h := start(t, nil, nil, nil)
	const me = 905
	text := "Anna 🙂: proszę przynieść wniosek — ważne: do piątku"
	bold := strings.Index(text, "przynieść")
	italic := strings.Index(text, "do piątku")
	r := bot.Reply{Text: text, Spans: []bot.Span{
		{Start: bold, End: bold + len("przynieść"), Style: bot.StyleBold},
		{Start: italic, End: italic + len("do piątku"), Style: bot.StyleItalic},
		{Start: 0, End: 2, Style: "underline"}, // unknown to the engine's styles: ignored
	}}
	if err := h.bot.Send(itoa(me), r); err != nil {
		t.Fatal(err)
	}
	m := h.srv.WaitMessages(t, me, 1, timeout)[0]
	units16 := func(s string) int { return len(utf16.Encode([]rune(s))) }
	want := []telegramtest.Entity{
		{Type: "bold", Offset: units16(text[:bold]), Length: units16("przynieść")},
		{Type: "italic", Offset: units16(text[:italic]), Length: units16("do piątku")},
	}
	if m.Text != text || m.ParseMode != "" || !slices.Equal(m.Entities, want) {
		t.Errorf("sent %q, parse_mode %q, entities %+v; want the text plain with %+v", m.Text, m.ParseMode, m.Entities, want)
	}
	if want[0].Offset != bold-len("🙂")+2-len("ę")+1 {
		t.Errorf("bold offset %d: not counted in UTF-16", want[0].Offset)
	}
	if calls := h.srv.Calls("sendMessage"); !strings.Contains(calls[len(calls)-1].Params.Get("entities"), `"type":"bold"`) {
		t.Errorf("the entities parameter as sent: %s", calls[len(calls)-1].Params.Get("entities"))
	}

	long := strings.TrimSpace(strings.Repeat("Pierwszy akapit. ", 230))
	second := strings.Repeat("Drugi akapit. ", 20) + "Drugi: _ważne_"
	text = long + "\n\n" + second
	at := strings.LastIndex(text, "ważne")
	if err := h.bot.Send(itoa(me), bot.Reply{Text: text, Spans: []bot.Span{{Start: at, End: at + len("ważne"), Style: bot.StyleItalic}}}); err != nil {
		t.Fatal(err)
	}
	ms := h.srv.WaitMessages(t, me, 3, timeout)[1:]
	if len(ms) != 2 || ms[1].Text != second {
		t.Fatalf("split reply in %d parts; want the two paragraphs", len(ms))
	}
	if len(ms[0].Entities) != 0 || !slices.Equal(ms[1].Entities, []telegramtest.Entity{{Type: "italic", Offset: units16(second[:strings.LastIndex(second, "ważne")]), Length: 5}}) {
		t.Errorf("split reply entities %+v / %+v; want the span in the second part only", ms[0].Entities, ms[1].Entities)
	}
}

// TestUndeliveredIsReported: a message Telegram refuses for good (the
// resident blocked the bot: 403) or gives up on after the retries (5xx) is
// reported to Config.Undelivered with its chat and why, once per message;
// a delivered message and the "typing…" action are not.
func TestUndeliveredIsReported(t *testing.T) {
	type report struct {
		chat string
		why  bot.Undelivered
	}
	reports := make(chan report, 16)
	srv := telegramtest.New(t, token)
	h := start(t, srv, nil, func(c *telegram.Config) {
		c.MaxRetries, c.RetryBackoff = 2, 10*time.Millisecond
		c.Undelivered = func(chatID string, why bot.Undelivered) { reports <- report{chatID, why} }
	})
	next := func() report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no undelivered message reported")
			return report{}
		}
	}

	const blocked, failing = 711, 712
	if err := h.bot.Send(itoa(blocked), bot.Reply{Text: "Ta dojdzie."}); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessages(t, blocked, 1, timeout)
	srv.Block(blocked)
	for _, s := range []string{"Pierwsza nie dojdzie.", "Druga nie dojdzie."} {
		if err := h.bot.Send(itoa(blocked), bot.Reply{Text: s}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if r := next(); r != (report{itoa(blocked), bot.UndeliveredBlocked}) {
			t.Errorf("reported %+v; want chat %d blocked", r, blocked)
		}
	}
	srv.PrivateText(blocked, "pl", "/start") // typing… is refused too, and not reported
	if r := next(); r != (report{itoa(blocked), bot.UndeliveredBlocked}) {
		t.Errorf("reported %+v; want the welcome to chat %d blocked", r, blocked)
	}

	srv.Fail(3, http.StatusInternalServerError) // the first try and both retries
	if err := h.bot.Send(itoa(failing), bot.Reply{Text: "Ta przepadnie."}); err != nil {
		t.Fatal(err)
	}
	if r := next(); r != (report{itoa(failing), bot.UndeliveredGaveUp}) {
		t.Errorf("reported %+v; want chat %d given up", r, failing)
	}
	if err := h.bot.Send(itoa(failing), bot.Reply{Text: "Ta dojdzie."}); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessages(t, failing, 1, timeout)
	select {
	case r := <-reports:
		t.Errorf("reported %+v more than the undelivered messages", r)
	default:
	}
	if n := len(srv.Messages(blocked)); n != 1 {
		t.Errorf("the blocked chat got %d messages; want only the one before the block", n)
	}
	if strings.Contains(h.logs.String(), "nie dojdzie") {
		t.Error("a message's text reached the logs")
	}
}
