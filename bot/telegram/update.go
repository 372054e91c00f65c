package telegram

import (
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"okienko/bot"
)

// Channel is the bot.Message channel name of Telegram conversations.
const Channel = "telegram"

// labelPrefix marks callback_data that stands for a button label because the
// choice id did not fit Telegram's 64 bytes. Choice ids are lower-case
// letters, digits, _ or a /command, never starting with "=".
const labelPrefix = "="

// action says what the channel does with an update.
type action int

const (
	ignore   action = iota // nothing for residents (service messages, channels…)
	toEngine               // a resident's message for the conversation engine
	toNotice               // the channel answers by itself with a notice
)

// inbound is what one update asks the channel to do. translate fills it
// without side effects, so that it can be tested and fuzzed on its own.
type inbound struct {
	action   action
	updateID int
	chatID   int64
	private  bool
	lang     string      // the resident's language for the channel's own notices
	msg      bot.Message // for toEngine
	notice   notice      // for toNotice, or said before the engine's replies
	queryID  string      // a callback query to answer, whatever the action
	pressed  *pressed    // the keyboard pressed, marked after the engine answered
}

// pressed is the bot message whose button a resident pressed.
type pressed struct {
	messageID int
	text      string // the message's text, to mark the choice under it
	label     string // the label of the button pressed
}

// translate turns a Telegram update into what the channel should do. Only
// private chats reach the engine; in groups the bot answers commands and
// mentions with a pointer to a private chat and reads nothing else.
func translate(u tgbotapi.Update, botName string) inbound {
	switch {
	case u.Message != nil:
		return fromMessage(u.UpdateID, u.Message, botName, false)
	case u.EditedMessage != nil:
		return fromMessage(u.UpdateID, u.EditedMessage, botName, true)
	case u.CallbackQuery != nil:
		return fromCallback(u.UpdateID, u.CallbackQuery)
	}
	return inbound{action: ignore, updateID: u.UpdateID}
}

func fromMessage(updateID int, m *tgbotapi.Message, botName string, edited bool) inbound {
	in := inbound{action: ignore, updateID: updateID}
	if m.Chat == nil || m.Chat.ID == 0 || m.SenderChat != nil {
		return in
	}
	if m.From != nil {
		if m.From.IsBot {
			return in
		}
		in.lang = language(m.From.LanguageCode)
	} else {
		in.lang = language("")
	}
	in.chatID = m.Chat.ID
	in.private = m.Chat.Type == "private"
	if !in.private {
		if (m.Chat.Type == "group" || m.Chat.Type == "supergroup") && !edited && addressed(m, botName) {
			in.action, in.notice = toNotice, noticeGroup
		}
		return in
	}
	if edited {
		in.action, in.notice = toNotice, noticeEdited
		return in
	}
	msg := bot.Message{
		Channel: Channel,
		ChatID:  strconv.FormatInt(m.Chat.ID, 10),
		EventID: strconv.Itoa(updateID),
	}
	if m.From != nil {
		msg.Language = m.From.LanguageCode
	}
	switch {
	case m.Text != "":
		msg.Text = m.Text
	case m.Contact != nil && strings.TrimSpace(m.Contact.PhoneNumber) != "":
		msg.Phone = strings.TrimSpace(m.Contact.PhoneNumber)
	case attachmentOf(m) != nil:
		// A photo of a letter, a document, a voice message: the engine
		// passes it to an open case or says a person can read it; its
		// caption is read as words (they may be a cry for help).
		msg.Attachment, msg.Text = attachmentOf(m), m.Caption
	case m.Caption != "":
		// A photo or file with words: read the words (they may be a cry
		// for help) and say that the attachment itself is not read.
		msg.Text = m.Caption
		in.notice = noticeCaption
	case isMedia(m):
		in.action, in.notice = toNotice, noticeNonText
		return in
	default:
		return in // service messages (pinned, timers…) need no answer
	}
	in.action, in.msg = toEngine, msg
	return in
}

// isMedia reports whether a message carries something a resident sent that
// the bot cannot read.
func isMedia(m *tgbotapi.Message) bool {
	return m.Photo != nil || m.Voice != nil || m.Audio != nil || m.Video != nil || m.VideoNote != nil ||
		m.Sticker != nil || m.Document != nil || m.Animation != nil || m.Location != nil || m.Venue != nil ||
		m.Poll != nil || m.Dice != nil || m.Game != nil || m.Contact != nil
}

// addressed reports whether a group message is meant for the bot: a
// command, a mention of its name, or a reply to one of its messages. Other
// group talk is none of its business.
func addressed(m *tgbotapi.Message, botName string) bool {
	if strings.HasPrefix(m.Text, "/") {
		return true
	}
	if botName != "" && strings.Contains(strings.ToLower(m.Text), "@"+strings.ToLower(botName)) {
		return true
	}
	r := m.ReplyToMessage
	return r != nil && r.From != nil && r.From.IsBot && botName != "" && strings.EqualFold(r.From.UserName, botName)
}

func fromCallback(updateID int, q *tgbotapi.CallbackQuery) inbound {
	in := inbound{action: ignore, updateID: updateID, queryID: q.ID, lang: language("")}
	if q.From != nil {
		in.lang = language(q.From.LanguageCode)
	}
	m := q.Message
	if m == nil || m.Chat == nil || m.Chat.ID == 0 || m.Chat.Type != "private" || q.Data == "" {
		return in
	}
	in.chatID, in.private = m.Chat.ID, true
	label, found := buttonLabel(m.ReplyMarkup, q.Data)
	in.msg = bot.Message{
		Channel: Channel,
		ChatID:  strconv.FormatInt(m.Chat.ID, 10),
		// One answer per keyboard: a second tap on the same message, a
		// redelivery or another replica's copy is recognised by the store.
		EventID: "cb:" + strconv.Itoa(m.MessageID),
		// A tap again after a lost answer is a new update: the engine
		// asks its question again instead of staying silent.
		DeliveryID: strconv.Itoa(updateID),
		Choice:     q.Data,
	}
	if q.From != nil {
		in.msg.Language = q.From.LanguageCode
	}
	if strings.HasPrefix(q.Data, labelPrefix) {
		if !found {
			in.msg = bot.Message{}
			return in
		}
		in.msg.Choice, in.msg.Text = "", label
	}
	in.action = toEngine
	in.pressed = &pressed{messageID: m.MessageID, text: m.Text, label: label}
	return in
}

// buttonLabel finds the label of the button with data in a keyboard.
func buttonLabel(kb *tgbotapi.InlineKeyboardMarkup, data string) (string, bool) {
	if kb == nil {
		return "", false
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData != nil && *b.CallbackData == data {
				return b.Text, true
			}
		}
	}
	return "", false
}

// language maps Telegram's language_code to a language of the channel's
// notices, as the engine does for its scripts.
func language(code string) string {
	if l := bot.LanguageOf(code); l != "" {
		return l
	}
	return "pl"
}
