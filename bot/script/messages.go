package script

// DefaultMessages are the engine's own phrases; a script's messages section
// overrides any of them. Keys not listed here are errors in a script.
var DefaultMessages = map[string]Text{
	"not_understood": {
		Polish:    "Nie do końca rozumiem, co masz na myśli. Wybierz jedną z możliwości albo napisz numer:",
		Ukrainian: "Не зовсім зрозуміло, що ви маєте на увазі. Оберіть один із варіантів або напишіть номер:",
		English:   "I'm not sure what you mean. Please pick one of the options or type its number:",
	},
	"offer_person": {
		Polish:    "Przepraszam, że trudno mi zrozumieć. Mogę przekazać rozmowę pracownikowi Centrum — napisz „człowiek” albo wybierz przycisk.",
		Ukrainian: "Вибачте, мені важко зрозуміти. Я можу передати розмову працівнику Центру — напишіть «людина» або натисніть кнопку.",
		English:   "Sorry, I find this hard to understand. I can pass you to a member of the Centre's staff — type “person” or use the button.",
	},
	"person_button": {
		Polish:    "Porozmawiaj z człowiekiem",
		Ukrainian: "Поговорити з людиною",
		English:   "Talk to a person",
	},
	"invalid_phone": {
		Polish:    "To nie wygląda na numer telefonu. Napisz 9 cyfr, np. 501 234 567.",
		Ukrainian: "Це не схоже на номер телефону. Напишіть 9 цифр, напр. 501 234 567.",
		English:   "That doesn't look like a phone number. Please type 9 digits, e.g. 501 234 567.",
	},
	"invalid_yes_no": {
		Polish:    "Odpowiedz proszę „tak” albo „nie”.",
		Ukrainian: "Будь ласка, дайте відповідь «так» або «ні».",
		English:   "Please answer “yes” or “no”.",
	},
	"invalid_number": {
		Polish:    "Napisz proszę samą liczbę, np. 3.",
		Ukrainian: "Будь ласка, напишіть лише число, напр. 3.",
		English:   "Please type just a number, e.g. 3.",
	},
	"invalid_answer": {
		Polish:    "Nie rozumiem tej odpowiedzi. Spróbuj proszę jeszcze raz.",
		Ukrainian: "Я не розумію цієї відповіді. Спробуйте ще раз.",
		English:   "I don't understand that answer. Please try again.",
	},
	"empty_answer": {
		Polish:    "Napisz proszę kilka słów.",
		Ukrainian: "Напишіть, будь ласка, кілька слів.",
		English:   "Please write a few words.",
	},
	"unavailable": {
		Polish:    "Przepraszamy, mamy chwilowy problem techniczny. Spróbuj za kilka minut albo zadzwoń do nas: {{centre_phone}}.",
		Ukrainian: "Вибачте, у нас тимчасова технічна проблема. Спробуйте за кілька хвилин або зателефонуйте нам: {{centre_phone}}.",
		English:   "Sorry, we have a temporary technical problem. Please try again in a few minutes or call us: {{centre_phone}}.",
	},
	"erased": {
		Polish:    "Usunięto wszystkie dane tej rozmowy. Jeśli zechcesz, napisz znowu — zaczniemy od nowa.",
		Ukrainian: "Усі дані цієї розмови видалено. Якщо захочете, напишіть знову — почнемо спочатку.",
		English:   "I have deleted all data of this conversation. Write to me again whenever you like — we'll start afresh.",
	},
	"erase_failed": {
		Polish:    "Nie udało się teraz usunąć danych tej rozmowy. Spróbuj za chwilę jeszcze raz — dane zostaną usunięte. Jeśli to się powtórzy, zadzwoń do nas: {{centre_phone}}.",
		Ukrainian: "Зараз не вдалося видалити дані цієї розмови. Спробуйте ще раз за хвилину — дані буде видалено. Якщо це повториться, зателефонуйте нам: {{centre_phone}}.",
		English:   "The data of this conversation could not be deleted just now. Please try again in a moment — it will be deleted. If this happens again, call us: {{centre_phone}}.",
	},
	"label_provider":    {Polish: "Kto prowadzi", Ukrainian: "Хто надає", English: "Provided by"},
	"label_address":     {Polish: "Adres", Ukrainian: "Адреса", English: "Address"},
	"label_phone":       {Polish: "Telefon", Ukrainian: "Телефон", English: "Phone"},
	"label_hours":       {Polish: "Godziny", Ukrainian: "Години роботи", English: "Hours"},
	"label_cost":        {Polish: "Koszt", Ukrainian: "Вартість", English: "Cost"},
	"label_eligibility": {Polish: "Dla kogo", Ukrainian: "Для кого", English: "Who can use it"},
	"no_results": {
		Polish:    "Nie mam teraz wyników do pokazania.",
		Ukrainian: "Зараз у мене немає результатів.",
		English:   "I have no results to show right now.",
	},
	"relay_waiting": {
		Polish:    "Przekażę to pracownikowi — zobaczy Twoje wiadomości, gdy dołączy do rozmowy. Odpowiedź pojawi się tutaj, w tym czacie.",
		Ukrainian: "Я передам це працівнику — він побачить ваші повідомлення, коли приєднається до розмови. Відповідь з'явиться тут, у цьому чаті.",
		English:   "I'll pass this on — a member of staff will see your messages when they join the conversation. The answer will appear here, in this chat.",
	},
	"attachment_no_case": {
		Polish:    "Nie umiem odczytać zdjęć, plików ani nagrań, ale pracownik Centrum może je zobaczyć. Napisz /czlowiek — gdy sprawa trafi do pracownika, wyślij plik jeszcze raz.",
		Ukrainian: "Я не вмію читати фото, файли чи записи, але працівник Центру може їх переглянути. Напишіть /czlowiek — коли справа потрапить до працівника, надішліть файл ще раз.",
		English:   "I can't read photos, files or recordings, but a member of the Centre's staff can. Type /czlowiek — once your case reaches a person, send the file again.",
	},
	"attachment_sent": {
		Polish:    "Plik przekazano pracownikowi.",
		Ukrainian: "Файл передано працівнику.",
		English:   "I've passed the file on to the member of staff.",
	},
	"attachment_too_big": {
		Polish:    "Ten plik jest za duży, żebym mógł go przekazać (do 20 MB). Wyślij mniejszy albo zdjęcie strony.",
		Ukrainian: "Цей файл завеликий, щоб його передати (до 20 МБ). Надішліть менший або фото сторінки.",
		English:   "This file is too big for me to pass on (up to 20 MB). Please send a smaller one or a photo of the page.",
	},
	"typical_wait": {
		Polish:    "zwykle w ciągu kilkunastu minut",
		Ukrainian: "зазвичай протягом кількох десятків хвилин",
		English:   "usually within a quarter of an hour or so",
	},
	"relay_later": {
		Polish:    "Pracownik jeszcze nie dołączył. Gdy dołączy, napisz mu to — dam znać tutaj.",
		Ukrainian: "Працівник ще не приєднався. Коли приєднається, напишіть йому це — я повідомлю тут.",
		English:   "A member of staff hasn't joined yet. When they do, tell them this — I'll let you know here.",
	},
	"staff_joined": {
		Polish:    "Do rozmowy dołączył(a) {{staff}} z {{centre_name}}. Możesz pisać — odpowie tutaj.",
		Ukrainian: "До розмови приєднався(-лася) {{staff}} з {{centre_name}}. Можете писати — відповідь прийде сюди.",
		English:   "{{staff}} from {{centre_name}} has joined the conversation. Write here — they will answer here.",
	},
	"staff_message": {
		Polish:    "{{staff}}: {{text}}",
		Ukrainian: "{{staff}}: {{text}}",
		English:   "{{staff}}: {{text}}",
	},
	"case_unclaimed": {
		Polish:    "Przepraszam, nikt z pracowników jeszcze nie odpisał. Możesz zadzwonić: {{centre_phone}} ({{centre_hours}}) albo napisać /czlowiek i zostawić numer — oddzwonimy.",
		Ukrainian: "Вибачте, ще ніхто з працівників не відповів. Можете зателефонувати: {{centre_phone}} ({{centre_hours}}) або написати /czlowiek і залишити номер — ми передзвонимо.",
		English:   "Sorry, no member of staff has answered yet. You can call {{centre_phone}} ({{centre_hours}}) or type /czlowiek and leave your number — we will call you back.",
	},
	"case_released": {
		Polish:    "Pracownik przekazał Twoją sprawę zespołowi — wkrótce dołączy inna osoba. Możesz pisać dalej, odpowiedź pojawi się tutaj.",
		Ukrainian: "Працівник передав вашу справу команді — незабаром приєднається інша людина. Можете писати далі, відповідь з'явиться тут.",
		English:   "The member of staff has passed your case to the team — someone else will join soon. You can keep writing; the answer will appear here.",
	},
	"case_closed": {
		Polish:    "Pracownik zakończył rozmowę. Dziękujemy!",
		Ukrainian: "Працівник завершив розмову. Дякуємо!",
		English:   "The member of staff has closed the conversation. Thank you!",
	},
	"case_returned": {
		Polish:    "Pracownik przekazał rozmowę z powrotem do mnie.",
		Ukrainian: "Працівник передав розмову назад мені.",
		English:   "The member of staff has handed the conversation back to me.",
	},
	"crisis_staff_open": {
		Polish:    "Centrum jest teraz czynne: pracownik zobaczy ją wkrótce. Jeśli ktoś jest w niebezpieczeństwie, nie czekaj — dzwoń.",
		Ukrainian: "Центр зараз працює: працівник незабаром його побачить. Якщо хтось у небезпеці, не чекайте — телефонуйте.",
		English:   "The Centre is open now: staff will see it soon. If anyone is in danger, don't wait — call.",
	},
	"crisis_staff_closed": {
		Polish:    "Centrum jest teraz zamknięte: pracownik zobaczy ją {{next_open}}. Do tego czasu dzwoń pod numery powyżej — 112 działa całą dobę.",
		Ukrainian: "Центр зараз зачинений: працівник побачить його {{next_open}}. До того часу телефонуйте за номерами вище — 112 працює цілодобово.",
		English:   "The Centre is closed now: staff will see it {{next_open}}. Until then, call the numbers above — 112 answers day and night.",
	},
	"crisis_check": {
		Polish:    "Chcę jeszcze zapytać wprost: czy jesteś teraz bezpieczna/y? Odpisz „tak” albo „nie”. Jeśli grozi Ci niebezpieczeństwo, dzwoń:\n{{numbers}}",
		Ukrainian: "Хочу ще запитати прямо: чи ви зараз у безпеці? Напишіть «так» або «ні». Якщо вам загрожує небезпека, телефонуйте:\n{{numbers}}",
		English:   "Let me ask you directly: are you safe right now? Reply “yes” or “no”. If you are in danger, call:\n{{numbers}}",
	},
	"crisis_safe": {
		Polish:    "Dziękuję, że odpowiadasz. Gdyby coś się zmieniło, napisz tutaj albo dzwoń pod 112.",
		Ukrainian: "Дякую за відповідь. Якщо щось зміниться, напишіть тут або телефонуйте 112.",
		English:   "Thank you for answering. If anything changes, write here or call 112.",
	},
	"crisis_dismissed": {
		Polish:    "Dobrze, dziękuję, że dajesz znać. Przekazano to pracownikowi; zgłoszenie zostaje, więc może zapytać, jak się czujesz. Gdyby jednak coś się działo, dzwoń pod 112.",
		Ukrainian: "Добре, дякую, що повідомили. Це передано працівнику; звернення залишається, тож працівник може запитати, як ви. Якщо все ж щось станеться, телефонуйте 112.",
		English:   "All right, thank you for letting me know. I have told the staff; the case stays open, so they may ask how you are. If anything does happen, call 112.",
	},
	"open_now": {
		Polish:    "Pracownik odpowie najszybciej, jak to możliwe.",
		Ukrainian: "Працівник відповість якнайшвидше.",
		English:   "A member of staff will answer as soon as possible.",
	},
}

// Builtins are the variables every template may use.
var Builtins = map[string]string{
	"centre_name":  "the Centre's name",
	"centre_phone": "the Centre's phone number",
	"centre_email": "the Centre's e-mail address",
	"centre_hours": "the Centre's opening hours",
	"next_open":    "when a person will answer, e.g. \"jutro o 8:00\" (empty while open)",
	"open_now":     "\"tak\" while organizers are at work, else \"nie\"",
	"staff_chat":   "\"tak\" when staff answer residents in this chat (a staff channel is configured), else \"nie\": never promise an answer then",
	"typical_wait": "how soon staff usually answer during office hours (the typical_wait message, e.g. \"zwykle w ciągu 15 minut\")",
	"lang":         "the conversation's language: pl, uk or en",
	"found":        "how many services the last search found",
	"numbers":      "the emergency numbers, one per line (in a crisis reply: the group's numbers)",
	"staff_when":   "when staff will see an urgent case (crisis reply): crisis_staff_open or crisis_staff_closed",
	"case_id":      "the id of the last handoff case",
	"staff":        "the first name of the staff member holding the case",
	"text":         "a staff member's words (staff_message)",
}

// Message returns the script's phrase for key in lang, falling back to the
// defaults and to Polish.
func (sc *Script) Message(key, lang string) string {
	if t, ok := sc.Messages[key]; ok && t.In(lang) != "" {
		return t.In(lang)
	}
	return DefaultMessages[key].In(lang)
}
