package telegram

import "strings"

// notice is a reply the channel gives by itself, without the engine.
type notice string

// The channel's own notices.
const (
	noticeNone    notice = ""
	noticeNonText notice = "non_text" // a photo, voice message, sticker, location…
	noticeCaption notice = "caption"  // an attachment with words: the words are read
	noticeEdited  notice = "edited"   // an edited message
	noticeGroup   notice = "group"    // a command or mention in a group chat
)

// notices are the texts of the channel's own notices by language ("pl",
// "uk", "en"); {{bot}} stands for the bot's @username.
var notices = map[notice]map[string]string{
	noticeNonText: {
		"pl": "Czytam tylko wiadomości tekstowe — nie odczytam zdjęć, nagrań głosowych, naklejek ani plików. Napisz proszę w kilku słowach, w czym mogę pomóc.",
		"uk": "Я читаю лише текстові повідомлення — фото, голосові повідомлення, стікери чи файли я не відкрию. Напишіть, будь ласка, кількома словами, чим я можу допомогти.",
		"en": "I can only read text messages — not photos, voice messages, stickers or files. Please tell me in a few words how I can help.",
	},
	noticeCaption: {
		"pl": "Nie otwieram załączników — czytam tylko tekst, który do nich dopisano.",
		"uk": "Я не відкриваю вкладення — читаю лише текст, доданий до них.",
		"en": "I don't open attachments — I read only the text written with them.",
	},
	noticeEdited: {
		"pl": "Widzę poprawioną wiadomość, ale czytam tylko nowe wiadomości. Jeśli coś się zmieniło, napisz to proszę jeszcze raz.",
		"uk": "Я бачу виправлене повідомлення, але читаю лише нові. Якщо щось змінилося, напишіть це, будь ласка, ще раз.",
		"en": "I see you edited a message, but I only read new messages. If something changed, please write it again.",
	},
	noticeGroup: {
		"pl": "Rozmawiam tylko w prywatnym czacie, żeby chronić Twoje sprawy. Napisz do mnie bezpośrednio: {{bot}}",
		"uk": "Я спілкуюся лише в приватному чаті, щоб захистити ваші справи. Напишіть мені напряму: {{bot}}",
		"en": "I only talk in a private chat, to keep your matters private. Please write to me directly: {{bot}}",
	},
}

// noticeText renders a notice in a language, Polish if it has no such
// translation.
func noticeText(n notice, lang, botName string) string {
	texts := notices[n]
	t, ok := texts[lang]
	if !ok {
		t = texts["pl"]
	}
	name := "@" + botName
	if botName == "" {
		name = "Okienko"
	}
	return strings.ReplaceAll(t, "{{bot}}", name)
}

// Command is one entry of the bot's command menu.
type Command struct {
	Command     string // without the slash: lower-case letters, digits, _
	Description string
}

// DefaultCommands is the command menu by Telegram language_code; "" is the
// menu for residents whose language has none of its own. The commands are
// those of the bundled dialog script's triggers.
var DefaultCommands = map[string][]Command{
	"": {
		{"start", "Zacznij od początku"},
		{"pomoc", "Co potrafię"},
		{"czlowiek", "Porozmawiaj z pracownikiem Centrum"},
		{"jezyk", "Zmień język / Змінити мову / Language"},
		{"usun", "Usuń moje dane"},
	},
	"pl": {
		{"start", "Zacznij od początku"},
		{"pomoc", "Co potrafię"},
		{"czlowiek", "Porozmawiaj z pracownikiem Centrum"},
		{"jezyk", "Zmień język"},
		{"usun", "Usuń moje dane"},
	},
	"uk": {
		{"start", "Почати спочатку"},
		{"dopomoha", "Що я вмію"},
		{"liudyna", "Поговорити з працівником Центру"},
		{"mova", "Змінити мову"},
		{"vydalyty", "Видалити мої дані"},
	},
	"en": {
		{"start", "Start again"},
		{"help", "What I can do"},
		{"person", "Talk to a member of staff"},
		{"language", "Change language"},
		{"delete", "Delete my data"},
	},
}
