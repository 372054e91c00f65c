package telegram

import (
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"okienko/bot"
)

// Limits of the Bot API.
const (
	maxTextUnits        = 4096 // a message's text, in UTF-16 code units
	maxCallbackDataSize = 64   // bytes of a button's callback_data
)

// Replies are sent as plain text (no parse_mode): Telegram shows every
// character as written, so nothing a script or catalogue says — "<", "*",
// "_" in names and addresses — can break a message or be read as markup.
// The bold and italic a staff member wrote (bot.Reply.Spans) go as message
// entities instead, with offsets and lengths in UTF-16 code units as the
// Bot API reference specifies, so they too cannot break the text.

// render turns one engine reply into sendMessage calls: the text split to
// Telegram's length limit on paragraph boundaries, the choices as an inline
// keyboard under the last part.
func render(chatID int64, r *bot.Reply) []op {
	parts := split(r.Text, maxTextUnits)
	if len(parts) == 0 {
		if len(r.Choices) == 0 {
			return nil
		}
		parts = []string{"👇"} // a keyboard needs a message to hang on
	}
	ops := make([]op, 0, len(parts))
	from := 0 // where the next part is looked for in r.Text
	for i, p := range parts {
		m := tgbotapi.NewMessage(chatID, p)
		m.DisableWebPagePreview = true
		if at := strings.Index(r.Text[from:], p); len(r.Spans) > 0 && at >= 0 {
			m.Entities = entities(p, from+at, r.Spans)
			from += at + len(p)
		}
		if i == len(parts)-1 && len(r.Choices) > 0 {
			m.ReplyMarkup = keyboard(r.Choices)
		}
		ops = append(ops, op{name: "sendMessage", c: m, message: true})
	}
	return ops
}

// entities turns the spans of a reply's text that fall in the part p,
// found at the byte offset at of the text, into message entities of p.
func entities(p string, at int, spans []bot.Span) []tgbotapi.MessageEntity {
	var out []tgbotapi.MessageEntity
	for _, sp := range spans {
		if sp.Style != bot.StyleBold && sp.Style != bot.StyleItalic {
			continue
		}
		start, end := max(sp.Start-at, 0), min(sp.End-at, len(p))
		if start >= end || !utf8.RuneStart(p[start]) || end < len(p) && !utf8.RuneStart(p[end]) {
			continue // outside this part, or not on a character's edge
		}
		off := units(p[:start])
		out = append(out, tgbotapi.MessageEntity{Type: string(sp.Style), Offset: off, Length: units(p[start:end])})
	}
	return out
}

// textMessage is a plain message without buttons.
func textMessage(chatID int64, text string) []op {
	return render(chatID, &bot.Reply{Text: text})
}

// keyboard renders choices as an inline keyboard, one button per row so that
// long labels stay readable. A choice id that does not fit callback_data is
// replaced by a reference to the button's label (see labelPrefix).
func keyboard(choices []bot.Choice) tgbotapi.InlineKeyboardMarkup {
	rows := make([][]tgbotapi.InlineKeyboardButton, 0, len(choices))
	for i, c := range choices {
		label := strings.TrimSpace(c.Label)
		if label == "" {
			label = c.ID
		}
		if label == "" {
			continue
		}
		data := c.ID
		if data == "" || len(data) > maxCallbackDataSize || strings.HasPrefix(data, labelPrefix) {
			data = labelPrefix + strconv.Itoa(i)
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, data)))
	}
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}

// markPressed removes the keyboard of a message whose button was pressed,
// so that a second tap has nothing to press, and writes the choice under
// the question so the conversation still reads well.
func markPressed(chatID int64, p *pressed) op {
	if p.text != "" && p.label != "" {
		text := p.text + "\n\n✔ " + p.label
		if units(text) <= maxTextUnits {
			// Without reply_markup, editMessageText removes the keyboard.
			return op{name: "editMessageText", c: tgbotapi.NewEditMessageText(chatID, p.messageID, text)}
		}
	}
	empty := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}
	return op{name: "editMessageReplyMarkup", c: tgbotapi.NewEditMessageReplyMarkup(chatID, p.messageID, empty)}
}

// split cuts text into parts of at most max UTF-16 code units: between
// paragraphs where possible, else between lines, else between words, else
// between characters. Parts are trimmed; blank parts are dropped.
func split(text string, max int) []string {
	var out []string
	for _, p := range pack(text, max, []string{"\n\n", "\n", " "}) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func pack(text string, max int, seps []string) []string {
	if units(text) <= max {
		return []string{text}
	}
	if len(seps) == 0 {
		return cut(text, max)
	}
	sep := seps[0]
	var out []string
	cur, curUnits := "", 0
	for _, p := range strings.Split(text, sep) {
		n := units(p)
		switch {
		case n > max:
			if curUnits > 0 {
				out = append(out, cur)
			}
			cur, curUnits = "", 0
			out = append(out, pack(p, max, seps[1:])...)
		case curUnits == 0:
			cur, curUnits = p, n
		case curUnits+units(sep)+n <= max:
			cur += sep + p
			curUnits += units(sep) + n
		default:
			out = append(out, cur)
			cur, curUnits = p, n
		}
	}
	if curUnits > 0 {
		out = append(out, cur)
	}
	return out
}

// cut splits text between characters.
func cut(text string, max int) []string {
	var out []string
	start, n := 0, 0
	for i, r := range text {
		u := runeUnits(r)
		if n+u > max {
			out = append(out, text[start:i])
			start, n = i, 0
		}
		n += u
	}
	return append(out, text[start:])
}

// units counts UTF-16 code units, as Telegram measures text.
func units(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		n += runeUnits(r)
		s = s[size:]
	}
	return n
}

func runeUnits(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
