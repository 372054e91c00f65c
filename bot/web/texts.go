package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"okienko/bot"
)

// The interface languages. The conversation itself is in the language the
// engine chose; these are the page's own words around it.
var languages = []string{"pl", "uk", "en"}

// texts are the page's own words by language: the interface around the
// conversation and the answers the channel gives by itself (too long, too
// fast, session expired). The page gets them as JSON, so that the language
// switch needs no reload; keys are used by chat.js (data-t attributes).
var texts = map[string]map[string]string{
	"pl": {
		"title":            "Okienko — czat",
		"tagline":          "Czat Centrum Usług Społecznych",
		"skip":             "Przejdź do pola wiadomości",
		"settings":         "Ustawienia widoku",
		"language":         "Język",
		"larger":           "Większy tekst",
		"contrast":         "Wysoki kontrast",
		"log":              "Rozmowa z Okienkiem",
		"you":              "Ty",
		"bot":              "Okienko",
		"centre":           "Centrum",
		"choices":          "Możliwe odpowiedzi",
		"message":          "Twoja wiadomość",
		"placeholder":      "Napisz, w czym możemy pomóc…",
		"hint":             "Enter wysyła, Shift+Enter to nowa linia.",
		"send":             "Wyślij",
		"typing":           "Okienko pisze…",
		"erase":            "Usuń rozmowę",
		"erase_confirm":    "Usunąć całą rozmowę i dane, które o niej zapisaliśmy? Tego nie da się cofnąć.",
		"emergency":        "W nagłym zagrożeniu dzwoń pod",
		"phone":            "Telefon do Centrum:",
		"offline":          "Nie udało się połączyć. Sprawdź internet i spróbuj ponownie — Twoja wiadomość jest nadal w polu tekstowym.",
		"reconnecting":     "Łączę ponownie, żeby nie przegapić odpowiedzi pracownika…",
		"connected":        "Połączono ponownie.",
		"welcome_back":     "Witaj ponownie. Napisz, w czym mogę pomóc, albo zacznij rozmowę od nowa.",
		"restart":          "Zacznij od nowa",
		"already_arrived":  "Wiadomość już dotarła. Jeśli brakuje tu odpowiedzi, napisz proszę jeszcze raz.",
		"erased_elsewhere": "Rozmowa została usunięta w innej karcie.",
		"new_message":      "Nowa wiadomość",
		"counter":          "Znaki: {n} z {max}",
		"noscript":         "Ten czat potrzebuje włączonego JavaScriptu. Możesz też zadzwonić do Centrum.",
		"too_long":         "Ta wiadomość jest za długa ({n} znaków). Skróć ją proszę do {max} znaków albo podziel na kilka wiadomości.",
		"rate":             "Wysyłasz wiadomości bardzo szybko. Poczekaj chwilę (około {s} s) i spróbuj ponownie.",
		"streams":          "Ta rozmowa jest otwarta w zbyt wielu kartach. Zamknij niepotrzebne karty.",
		"streams_busy":     "Czat ma teraz zbyt wiele połączeń, więc odpowiedzi pracowników nie pojawią się tu od razu. Twoje wiadomości dochodzą, a odpowiedzi nie zginą: pokażą się, gdy połączenie się zwolni (spróbujemy sami za chwilę).",
		"no_conversation":  "Odpowiedzi pracowników pojawiają się tu w trakcie rozmowy. Napisz wiadomość, żeby ją zacząć.",
		"session":          "Twoja sesja wygasła albo przeglądarka zablokowała ciasteczko czatu. Odśwież stronę i spróbuj ponownie.",
		"origin":           "Ta wiadomość nie przyszła ze strony czatu, więc nie została przyjęta. Otwórz czat na stronie Centrum.",
		"bad_request":      "Nie udało się odczytać wiadomości. Odśwież stronę i spróbuj ponownie.",
		"empty":            "Napisz wiadomość albo wybierz jedną z odpowiedzi.",
		"failed":           "Coś poszło nie tak po naszej stronie. Spróbuj za chwilę albo zadzwoń do Centrum.",
		"open_window":      "Otwórz czat w nowym oknie",
		"launcher":         "Porozmawiaj z Okienkiem",
		"close":            "Zamknij czat",
		"language_name":    "Polski",
		"language_short":   "PL",
	},
	"uk": {
		"title":            "Okienko — чат",
		"tagline":          "Чат Центру соціальних послуг",
		"skip":             "Перейти до поля повідомлення",
		"settings":         "Налаштування вигляду",
		"language":         "Мова",
		"larger":           "Більший текст",
		"contrast":         "Високий контраст",
		"log":              "Розмова з Okienko",
		"you":              "Ви",
		"bot":              "Okienko",
		"centre":           "Центр",
		"choices":          "Можливі відповіді",
		"message":          "Ваше повідомлення",
		"placeholder":      "Напишіть, чим ми можемо допомогти…",
		"hint":             "Enter надсилає, Shift+Enter — новий рядок.",
		"send":             "Надіслати",
		"typing":           "Okienko пише…",
		"erase":            "Видалити розмову",
		"erase_confirm":    "Видалити всю розмову і дані, які ми про неї зберегли? Це не можна скасувати.",
		"emergency":        "У разі небезпеки телефонуйте",
		"phone":            "Телефон Центру:",
		"offline":          "Не вдалося з'єднатися. Перевірте інтернет і спробуйте ще раз — ваше повідомлення залишилося в полі.",
		"reconnecting":     "Повторне з'єднання, щоб не пропустити відповідь працівника…",
		"connected":        "З'єднання відновлено.",
		"welcome_back":     "Вітаємо знову. Напишіть, чим я можу допомогти, або почніть розмову спочатку.",
		"restart":          "Почати спочатку",
		"already_arrived":  "Повідомлення вже надійшло. Якщо тут бракує відповіді, напишіть, будь ласка, ще раз.",
		"erased_elsewhere": "Розмову видалено в іншій вкладці.",
		"new_message":      "Нове повідомлення",
		"counter":          "Символи: {n} з {max}",
		"noscript":         "Для цього чату потрібен увімкнений JavaScript. Ви також можете зателефонувати до Центру.",
		"too_long":         "Це повідомлення задовге ({n} символів). Скоротіть його, будь ласка, до {max} символів або розділіть на кілька повідомлень.",
		"rate":             "Ви надсилаєте повідомлення дуже швидко. Зачекайте трохи (близько {s} с) і спробуйте ще раз.",
		"streams":          "Ця розмова відкрита в надто багатьох вкладках. Закрийте непотрібні вкладки.",
		"streams_busy":     "Зараз у чату забагато з'єднань, тому відповіді працівників не з'являться тут одразу. Ваші повідомлення доходять, а відповіді не загубляться: вони з'являться, коли з'єднання звільниться (ми спробуємо самі за хвилину).",
		"no_conversation":  "Відповіді працівників з'являються тут під час розмови. Напишіть повідомлення, щоб її почати.",
		"session":          "Ваша сесія закінчилася або браузер заблокував файл cookie чату. Оновіть сторінку і спробуйте ще раз.",
		"origin":           "Це повідомлення надійшло не зі сторінки чату, тому я його не прийняв. Відкрийте чат на сторінці Центру.",
		"bad_request":      "Не вдалося прочитати повідомлення. Оновіть сторінку і спробуйте ще раз.",
		"empty":            "Напишіть повідомлення або оберіть одну з відповідей.",
		"failed":           "Щось пішло не так з нашого боку. Спробуйте трохи згодом або зателефонуйте до Центру.",
		"open_window":      "Відкрити чат у новому вікні",
		"launcher":         "Поговорити з Okienko",
		"close":            "Закрити чат",
		"language_name":    "Українська",
		"language_short":   "UA",
	},
	"en": {
		"title":            "Okienko — chat",
		"tagline":          "Chat of the Centre of Social Services",
		"skip":             "Skip to the message box",
		"settings":         "Display settings",
		"language":         "Language",
		"larger":           "Larger text",
		"contrast":         "High contrast",
		"log":              "Conversation with Okienko",
		"you":              "You",
		"bot":              "Okienko",
		"centre":           "Centre",
		"choices":          "Possible answers",
		"message":          "Your message",
		"placeholder":      "Tell us how we can help…",
		"hint":             "Enter sends, Shift+Enter starts a new line.",
		"send":             "Send",
		"typing":           "Okienko is writing…",
		"erase":            "Delete conversation",
		"erase_confirm":    "Delete the whole conversation and the data we kept about it? This cannot be undone.",
		"emergency":        "In an emergency call",
		"phone":            "The Centre's phone:",
		"offline":          "Could not connect. Please check your internet and try again — your message is still in the text box.",
		"reconnecting":     "Reconnecting, so as not to miss a reply from staff…",
		"connected":        "Connected again.",
		"welcome_back":     "Welcome back. Tell me how I can help, or start the conversation again.",
		"restart":          "Start again",
		"already_arrived":  "Your message has already arrived. If an answer is missing here, please write again.",
		"erased_elsewhere": "The conversation was deleted in another tab.",
		"new_message":      "New message",
		"counter":          "Characters: {n} of {max}",
		"noscript":         "This chat needs JavaScript turned on. You can also call the Centre.",
		"too_long":         "This message is too long ({n} characters). Please shorten it to {max} characters or split it into several messages.",
		"rate":             "You are sending messages very quickly. Please wait a moment (about {s} s) and try again.",
		"streams":          "This conversation is open in too many tabs. Please close the ones you don't need.",
		"streams_busy":     "The chat has too many connections right now, so replies from staff will not appear here at once. Your messages get through and replies will not be lost: they will appear when a connection is free (we will try again shortly).",
		"no_conversation":  "Replies from staff appear here during a conversation. Write a message to start one.",
		"session":          "Your session has expired or the browser blocked the chat's cookie. Please reload the page and try again.",
		"origin":           "This message did not come from the chat page, so I did not accept it. Please open the chat on the Centre's website.",
		"bad_request":      "Could not read the message. Please reload the page and try again.",
		"empty":            "Please write a message or pick one of the answers.",
		"failed":           "Something went wrong on our side. Please try again in a moment or call the Centre.",
		"open_window":      "Open the chat in a new window",
		"launcher":         "Talk to Okienko",
		"close":            "Close the chat",
		"language_name":    "English",
		"language_short":   "EN",
	},
}

// text returns the text under key in lang (Polish when lang has none),
// with {name} placeholders replaced by the pairs given.
func text(lang, key string, pairs ...string) string {
	t, ok := texts[lang][key]
	if !ok {
		t = texts["pl"][key]
	}
	if len(pairs) > 0 {
		t = strings.NewReplacer(pairs...).Replace(t)
	}
	return t
}

// supported maps a language tag ("uk-UA", "ru", "en-GB") to an interface
// language, or "" when none fits. Russian and Belarusian readers get
// Ukrainian, as the engine does.
func supported(tag string) string { return bot.LanguageOf(tag) }

// langCookie remembers the resident's choice of interface language.
const langCookie = "okienko_lang"

// pageLanguage picks the interface language of a request: ?lang=, then the
// resident's earlier choice (cookie), then Accept-Language, then Polish.
func pageLanguage(r *http.Request) string {
	if l := supported(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := supported(c.Value); l != "" {
			return l
		}
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// requestLanguage is the language to answer an API request in: the page
// says which in a header; else as for the page.
func requestLanguage(r *http.Request) string {
	if l := supported(r.Header.Get(langHeader)); l != "" {
		return l
	}
	return pageLanguage(r)
}

// acceptLanguage picks the supported language the header prefers most
// (q-values honoured, ties in the header's order), or Polish.
func acceptLanguage(header string) string {
	type pick struct {
		lang  string
		q     float64
		order int
	}
	var picks []pick
	for i, part := range strings.Split(header, ",") {
		if i >= 32 {
			break // nobody prefers 32 languages; bound the work
		}
		tag, params, _ := strings.Cut(part, ";")
		l := supported(tag)
		if l == "" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > 0 {
			picks = append(picks, pick{l, q, i})
		}
	}
	if len(picks) == 0 {
		return "pl"
	}
	sort.SliceStable(picks, func(a, b int) bool { return picks[a].q > picks[b].q })
	return picks[0].lang
}
