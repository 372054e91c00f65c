package telegram

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"okienko/bot"
)

func decode(t testing.TB, raw string) tgbotapi.Update {
	t.Helper()
	var u tgbotapi.Update
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		t.Fatalf("update %s: %v", raw, err)
	}
	return u
}

const private = `"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A","language_code":"uk"}`

func TestTranslate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		update string
		want   inbound
	}{
		{"text", `{"update_id":7,"message":{"message_id":1,` + private + `,"text":"Dzień dobry"}}`,
			inbound{action: toEngine, updateID: 7, chatID: 42, private: true, lang: "uk",
				msg: bot.Message{Channel: "telegram", ChatID: "42", EventID: "7", Text: "Dzień dobry", Language: "uk"}}},
		{"contact", `{"update_id":8,"message":{"message_id":2,` + private + `,"contact":{"phone_number":" +48501234567 ","first_name":"A"}}}`,
			inbound{action: toEngine, updateID: 8, chatID: 42, private: true, lang: "uk",
				msg: bot.Message{Channel: "telegram", ChatID: "42", EventID: "8", Phone: "+48501234567", Language: "uk"}}},
		{"photo", `{"update_id":9,"message":{"message_id":3,` + private + `,"photo":[{"file_id":"small","file_unique_id":"y","width":1,"height":1,"file_size":10},{"file_id":"x","file_unique_id":"z","width":9,"height":9,"file_size":900}]}}`,
			inbound{action: toEngine, updateID: 9, chatID: 42, private: true, lang: "uk",
				msg: bot.Message{Channel: "telegram", ChatID: "42", EventID: "9", Language: "uk",
					Attachment: &bot.Attachment{Kind: "photo", ID: "x", Name: "zdjecie.jpg", Mime: "image/jpeg", Size: 900}}}},
		{"caption", `{"update_id":10,"message":{"message_id":4,` + private + `,"document":{"file_id":"d","file_unique_id":"y","file_name":"decyzja.pdf","mime_type":"application/pdf","file_size":12345},"caption":"pomocy"}}`,
			inbound{action: toEngine, updateID: 10, chatID: 42, private: true, lang: "uk",
				msg: bot.Message{Channel: "telegram", ChatID: "42", EventID: "10", Text: "pomocy", Language: "uk",
					Attachment: &bot.Attachment{Kind: "document", ID: "d", Name: "decyzja.pdf", Mime: "application/pdf", Size: 12345}}}},
		{"edited", `{"update_id":11,"edited_message":{"message_id":5,` + private + `,"text":"x"}}`,
			inbound{action: toNotice, updateID: 11, chatID: 42, private: true, lang: "uk", notice: noticeEdited}},
		{"service message", `{"update_id":12,"message":{"message_id":6,` + private + `,"pinned_message":{"message_id":1,"chat":{"id":42,"type":"private"}}}}`,
			inbound{action: ignore, updateID: 12, chatID: 42, private: true, lang: "uk"}},
		{"from a bot", `{"update_id":13,"message":{"message_id":7,"chat":{"id":42,"type":"private"},"from":{"id":9,"is_bot":true,"first_name":"B"},"text":"hi"}}`,
			inbound{action: ignore, updateID: 13}},
		{"group command", `{"update_id":14,"message":{"message_id":8,"chat":{"id":-5,"type":"group"},"from":{"id":1,"first_name":"A","language_code":"en"},"text":"/start@OkienkoBot"}}`,
			inbound{action: toNotice, updateID: 14, chatID: -5, lang: "en", notice: noticeGroup}},
		{"group talk", `{"update_id":15,"message":{"message_id":9,"chat":{"id":-5,"type":"supergroup"},"from":{"id":1,"first_name":"A"},"text":"mąż pije"}}`,
			inbound{action: ignore, updateID: 15, chatID: -5, lang: "pl"}},
		{"group mention", `{"update_id":16,"message":{"message_id":9,"chat":{"id":-5,"type":"supergroup"},"from":{"id":1,"first_name":"A"},"text":"@okienkobot pomóż"}}`,
			inbound{action: toNotice, updateID: 16, chatID: -5, lang: "pl", notice: noticeGroup}},
		{"channel post", `{"update_id":17,"channel_post":{"message_id":1,"chat":{"id":-7,"type":"channel"},"text":"x"}}`,
			inbound{action: ignore, updateID: 17}},
		{"button", `{"update_id":18,"callback_query":{"id":"q1","from":{"id":42,"first_name":"A","language_code":"en"},"chat_instance":"c","data":"seniorzy","message":{"message_id":30,"chat":{"id":42,"type":"private"},"text":"Temat?","reply_markup":{"inline_keyboard":[[{"text":"Seniorzy","callback_data":"seniorzy"}]]}}}}`,
			inbound{action: toEngine, updateID: 18, chatID: 42, private: true, lang: "en", queryID: "q1",
				msg:     bot.Message{Channel: "telegram", ChatID: "42", EventID: "cb:30", DeliveryID: "18", Choice: "seniorzy", Language: "en"},
				pressed: &pressed{messageID: 30, text: "Temat?", label: "Seniorzy"}}},
		{"button by label", `{"update_id":19,"callback_query":{"id":"q2","from":{"id":42,"first_name":"A"},"chat_instance":"c","data":"=1","message":{"message_id":31,"chat":{"id":42,"type":"private"},"text":"?","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"=0"}],[{"text":"B","callback_data":"=1"}]]}}}}`,
			inbound{action: toEngine, updateID: 19, chatID: 42, private: true, lang: "pl", queryID: "q2",
				msg:     bot.Message{Channel: "telegram", ChatID: "42", EventID: "cb:31", DeliveryID: "19", Text: "B"},
				pressed: &pressed{messageID: 31, text: "?", label: "B"}}},
		{"button without message", `{"update_id":20,"callback_query":{"id":"q3","from":{"id":42,"first_name":"A"},"chat_instance":"c","data":"x","inline_message_id":"im"}}`,
			inbound{action: ignore, updateID: 20, lang: "pl", queryID: "q3"}},
		{"button in a group", `{"update_id":21,"callback_query":{"id":"q4","from":{"id":42,"first_name":"A"},"chat_instance":"c","data":"x","message":{"message_id":1,"chat":{"id":-5,"type":"group"}}}}`,
			inbound{action: ignore, updateID: 21, lang: "pl", queryID: "q4"}},
		{"nothing known", `{"update_id":22}`, inbound{action: ignore, updateID: 22}},
	} {
		got := translate(decode(t, tc.update), "OkienkoBot")
		if !equalInbound(got, tc.want) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", tc.name, got, got.pressed, tc.want, tc.want.pressed)
		}
	}
}

func equalInbound(a, b inbound) bool {
	if (a.pressed == nil) != (b.pressed == nil) || (a.pressed != nil && *a.pressed != *b.pressed) {
		return false
	}
	if (a.msg.Attachment == nil) != (b.msg.Attachment == nil) || (a.msg.Attachment != nil && *a.msg.Attachment != *b.msg.Attachment) {
		return false
	}
	a.pressed, b.pressed = nil, nil
	a.msg.Attachment, b.msg.Attachment = nil, nil
	return a == b
}

// FuzzTranslate feeds arbitrary updates through the translation and checks
// what reaches the engine. Seeds are in testdata/fuzz/FuzzTranslate.
func FuzzTranslate(f *testing.F) {
	f.Add([]byte(`{"update_id":7,"message":{"message_id":1,` + private + `,"text":"/start"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var u tgbotapi.Update
		if json.Unmarshal(data, &u) != nil {
			return
		}
		in := translate(u, "OkienkoBot")
		if in.updateID != u.UpdateID {
			t.Fatalf("update id %d, want %d", in.updateID, u.UpdateID)
		}
		switch in.lang {
		case "", "pl", "uk", "en":
		default:
			t.Fatalf("notice language %q", in.lang)
		}
		switch in.action {
		case ignore:
		case toNotice:
			if in.chatID == 0 || in.notice == noticeNone || noticeText(in.notice, in.lang, "OkienkoBot") == "" {
				t.Fatalf("notice %+v", in)
			}
		case toEngine:
			m := in.msg
			if !in.private {
				t.Fatalf("a non-private chat reaches the engine: %+v", in)
			}
			if m.Channel != Channel || m.ChatID != strconv.FormatInt(in.chatID, 10) || in.chatID == 0 || m.EventID == "" {
				t.Fatalf("message %+v for chat %d", m, in.chatID)
			}
			if m.Text == "" && m.Choice == "" && m.Phone == "" {
				t.Fatalf("empty message %+v", m)
			}
			if len(m.Choice) > 0 && strings.HasPrefix(m.Choice, labelPrefix) {
				t.Fatalf("a label reference reaches the engine as a choice: %q", m.Choice)
			}
			if u.CallbackQuery == nil && m.EventID != strconv.Itoa(u.UpdateID) {
				t.Fatalf("event id %q for update %d", m.EventID, u.UpdateID)
			}
		default:
			t.Fatalf("action %d", in.action)
		}
	})
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"short", "Dzień dobry", 20, []string{"Dzień dobry"}},
		{"blank", " \n\n ", 20, nil},
		{"paragraphs", "aaaa\n\nbbbb\n\ncccc", 10, []string{"aaaa\n\nbbbb", "cccc"}},
		{"lines", "aaaa\nbbbb\ncccc", 9, []string{"aaaa\nbbbb", "cccc"}},
		{"words", "aaa bbb ccc ddd", 7, []string{"aaa bbb", "ccc ddd"}},
		{"characters", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"surrogates", "🙂🙂🙂", 4, []string{"🙂🙂", "🙂"}},
		{"paragraph then long one", "ab\n\nccc ddd eee", 7, []string{"ab", "ccc ddd", "eee"}},
	} {
		if got := split(tc.text, tc.max); !equalStrings(got, tc.want) {
			t.Errorf("%s: split(%q, %d) = %q, want %q", tc.name, tc.text, tc.max, got, tc.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzSplit checks that parts fit, are not blank, and keep every
// non-space character in order.
func FuzzSplit(f *testing.F) {
	f.Add("Akapit pierwszy.\n\nAkapit drugi, dłuższy.\nLinia.", 12)
	f.Add("🙂🙂 a\n\n\nb", 2)
	f.Fuzz(func(t *testing.T, text string, max int) {
		if max < 2 || max > 5000 || !utf8.ValidString(text) {
			return
		}
		parts := split(text, max)
		for _, p := range parts {
			if units(p) > max || strings.TrimSpace(p) == "" {
				t.Fatalf("part %q (%d units) of max %d", p, units(p), max)
			}
		}
		strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if got, want := strip(strings.Join(parts, "")), strip(text); got != want {
			t.Fatalf("parts lose text: %q vs %q", got, want)
		}
	})
}

// FuzzEntities: spans anywhere in any text become entities that Telegram
// accepts: inside their part, counted in UTF-16 code units.
func FuzzEntities(f *testing.F) {
	f.Add("Anna: 🙂 *ważne*", 9, 20, 300)
	f.Add(strings.Repeat("ą ", 40), 3, 70, 10)
	f.Fuzz(func(t *testing.T, text string, start, end, max int) {
		if !utf8.ValidString(text) || max < 2 || max > 5000 {
			return
		}
		r := &bot.Reply{Text: text, Spans: []bot.Span{{Start: start, End: end, Style: bot.StyleBold}}}
		from := 0
		for _, p := range split(text, max) {
			at := strings.Index(text[from:], p)
			if at < 0 {
				t.Fatalf("part %q not found in order", p)
			}
			for _, e := range entities(p, from+at, r.Spans) {
				if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > units(p) {
					t.Fatalf("entity %+v outside part %q (%d units)", e, p, units(p))
				}
			}
			from += at + len(p)
		}
	})
}

func TestKeyboard(t *testing.T) {
	kb := keyboard([]bot.Choice{
		{ID: "tak", Label: "Tak, zgadzam się"},
		{ID: "/czlowiek", Label: "Porozmawiaj z człowiekiem"},
		{ID: strings.Repeat("x", 65), Label: "Długi"},
		{ID: "=odd", Label: "Dziwny"},
		{ID: "pusty", Label: " "},
		{},
	})
	var got []string
	for _, row := range kb.InlineKeyboard {
		if len(row) != 1 {
			t.Fatalf("row of %d buttons", len(row))
		}
		got = append(got, row[0].Text+"|"+*row[0].CallbackData)
	}
	want := []string{"Tak, zgadzam się|tak", "Porozmawiaj z człowiekiem|/czlowiek", "Długi|=2", "Dziwny|=3", "pusty|pusty"}
	if !equalStrings(got, want) {
		t.Errorf("keyboard = %q, want %q", got, want)
	}
}

func TestRecentForgetsOldest(t *testing.T) {
	r := newRecent(3)
	for _, id := range []int{1, 2, 3} {
		if !r.add(id) {
			t.Fatalf("%d not new", id)
		}
	}
	if r.add(2) {
		t.Error("2 again counted as new")
	}
	r.add(4) // forgets 1
	if !r.add(1) {
		t.Error("1 should have been forgotten")
	}
	if r.add(4) {
		t.Error("4 forgotten too early")
	}
}

func TestRedact(t *testing.T) {
	const tok = "123:AB/C+d"
	for _, s := range []string{
		"https://api.telegram.org/bot123:AB/C+d/getMe",
		"https://api.telegram.org/bot123:AB%2FC+d/getMe",
		"https://api.telegram.org/bot123%3AAB%2FC%2Bd/getMe",
	} {
		if got := redact(s, tok); strings.Contains(got, "AB") || !strings.Contains(got, "<token>") {
			t.Errorf("redact(%q) = %q", s, got)
		}
	}
}
