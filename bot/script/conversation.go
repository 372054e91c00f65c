package script

import (
	"fmt"

	"okienko/bot/textnorm"
)

// Register: how the bot addresses residents in Polish. A public
// institution speaks formally by default, in forms that do not assume the
// resident's gender ("Proszę opisać", not "napisałeś"); a Centre may
// choose the informal "Ty" with `address: informal`, and texts then use
// their pl_informal variant where one is written.
const (
	AddressFormal   = "formal"
	AddressInformal = "informal"
	// PolishInformal is the text key of the informal Polish variant.
	PolishInformal = "pl_informal"
)

// Acknowledgement is one sentence said before the services when a
// resident's description reveals a situation that deserves it
// (bereavement, violence, an exhausted carer, eviction with children).
type Acknowledgement struct {
	ID      string   `yaml:"id"`
	Phrases []string `yaml:"phrases"`
	// With: when set, the description must also hold one of these — the
	// situation the phrases are about ("nie mam już siły" is an exhausted
	// carer only with someone cared for: "mama", "opiekuję się").
	With []string `yaml:"with"`
	Say  Text     `yaml:"say"`
}

// Compile returns the acknowledgement's phrases and its with phrases
// compiled.
func (a Acknowledgement) Compile() (phrases, with []textnorm.Phrase, err error) {
	compile := func(list []string) ([]textnorm.Phrase, error) {
		var out []textnorm.Phrase
		for _, p := range list {
			ph, err := textnorm.CompilePhrase(p)
			if err != nil {
				return nil, fmt.Errorf("acknowledgement %s: %w", a.ID, err)
			}
			out = append(out, ph)
		}
		return out, nil
	}
	if phrases, err = compile(a.Phrases); err != nil {
		return nil, nil, err
	}
	if with, err = compile(a.With); err != nil {
		return nil, nil, err
	}
	return phrases, with, nil
}

// For returns the text in lang and the script's register: the informal
// Polish variant when the script asks for it and has one.
func (t Text) For(lang, address string) string {
	if lang == Polish && address == AddressInformal {
		if s := t[PolishInformal]; s != "" {
			return s
		}
	}
	return t.In(lang)
}

// MessageFor is Message in the script's register.
func (sc *Script) MessageFor(key, lang string) string {
	if t, ok := sc.Messages[key]; ok && t.In(lang) != "" {
		return t.For(lang, sc.Address)
	}
	return DefaultMessages[key].For(lang, sc.Address)
}

// checkConversation checks the register and the acknowledgements.
func (c *checker) checkConversation() {
	switch c.sc.Address {
	case "", AddressFormal, AddressInformal:
	default:
		c.errAt(c.sect("address"), "address", "address is %q; use %s or %s", c.sc.Address, AddressFormal, AddressInformal)
	}
	for i, a := range c.sc.Acknowledge {
		src := c.sect("acknowledge")
		p := fmt.Sprintf("acknowledge[%d]", i)
		if a.ID == "" {
			c.errAt(src, p, "an acknowledgement needs an id")
		}
		if len(a.Phrases) == 0 {
			c.errAt(src, p, "acknowledgement %s: no phrases", a.ID)
		}
		for j, ph := range a.Phrases {
			if _, err := textnorm.CompilePhrase(ph); err != nil {
				c.errAt(src, fmt.Sprintf("%s.phrases[%d]", p, j), "%v", err)
			}
		}
		for j, ph := range a.With {
			if _, err := textnorm.CompilePhrase(ph); err != nil {
				c.errAt(src, fmt.Sprintf("%s.with[%d]", p, j), "%v", err)
			}
		}
		c.checkText(src, p+".say", a.Say)
	}
}

func init() {
	for k, v := range conversationMessages {
		DefaultMessages[k] = v
	}
	// The engine's own phrases in the formal register by default; the
	// informal ones stay as their pl_informal variants.
	for k, formal := range formalMessages {
		t := Text{}
		for lang, s := range DefaultMessages[k] {
			t[lang] = s
		}
		t[PolishInformal] = t[Polish]
		t[Polish] = formal
		DefaultMessages[k] = t
	}
	for k, v := range conversationBuiltins {
		Builtins[k] = v
	}
}

// formalMessages are the engine's default phrases in formal,
// gender-neutral Polish ("Proszę wybrać", not "Wybierz"; no "-łeś").
var formalMessages = map[string]string{
	"not_understood":      "Nie do końca rozumiem, o co chodzi. Proszę wybrać jedną z możliwości albo napisać numer:",
	"offer_person":        "Przepraszam, że trudno mi zrozumieć. Mogę przekazać rozmowę pracownikowi Centrum — wystarczy napisać „człowiek” albo wybrać przycisk.",
	"invalid_phone":       "To nie wygląda na numer telefonu. Proszę napisać 9 cyfr, np. 501 234 567.",
	"invalid_yes_no":      "Proszę odpowiedzieć „tak” albo „nie”.",
	"invalid_number":      "Proszę napisać samą liczbę, np. 3.",
	"invalid_answer":      "Nie rozumiem tej odpowiedzi. Proszę spróbować jeszcze raz.",
	"empty_answer":        "Proszę napisać kilka słów.",
	"person_button":       "Rozmowa z człowiekiem",
	"unavailable":         "Przepraszamy, mamy chwilowy problem techniczny. Proszę spróbować za kilka minut albo zadzwonić do nas: {{centre_phone}}.",
	"erased":              "Usunięto wszystkie dane tej rozmowy. W każdej chwili można napisać znowu — zaczniemy od nowa.",
	"relay_waiting":       "Przekażę to pracownikowi — zobaczy te wiadomości, gdy dołączy do rozmowy. Odpowiedź pojawi się tutaj, w tym czacie.",
	"relay_later":         "Pracownik jeszcze nie dołączył. Gdy dołączy, proszę mu to napisać — dam znać tutaj.",
	"staff_joined":        "Do rozmowy dołączył(a) {{staff}} z {{centre_name}}. Można pisać — odpowiedź przyjdzie tutaj.",
	"case_unclaimed":      "Przepraszam, nikt z pracowników jeszcze nie odpisał. Można zadzwonić: {{centre_phone}} ({{centre_hours}}) albo napisać /czlowiek i zostawić numer — oddzwonimy.",
	"case_released":       "Pracownik przekazał sprawę zespołowi — wkrótce dołączy inna osoba. Można pisać dalej, odpowiedź pojawi się tutaj.",
	"attachment_no_case":  "Nie umiem odczytać zdjęć, plików ani nagrań, ale pracownik Centrum może je zobaczyć. Wystarczy napisać /czlowiek — gdy sprawa trafi do pracownika, proszę wysłać plik jeszcze raz.",
	"crisis_check":        "Chcę jeszcze zapytać wprost: czy jest teraz bezpiecznie? Proszę odpisać „tak” albo „nie”. W razie niebezpieczeństwa proszę dzwonić:\n{{numbers}}",
	"crisis_safe":         "Dziękuję za odpowiedź. Gdyby coś się zmieniło, proszę napisać tutaj albo dzwonić pod 112.",
	"crisis_staff_open":   "Centrum jest teraz czynne: pracownik zobaczy ją wkrótce. Jeśli ktoś jest w niebezpieczeństwie, proszę nie czekać i dzwonić od razu.",
	"crisis_staff_closed": "Centrum jest teraz zamknięte: pracownik zobaczy ją {{next_open}}. Do tego czasu proszę dzwonić pod numery powyżej — 112 działa całą dobę.",
	"crisis_dismissed":    "Dobrze, dziękuję za informację. Przekazano to pracownikowi; zgłoszenie zostaje, więc może zapytać o samopoczucie. Gdyby jednak coś się działo, proszę dzwonić pod 112.",
}

// conversationBuiltins are the variables a search sets about its best
// match, for routing (a referral, complaints).
var conversationBuiltins = map[string]string{
	"found_kind":     "what the last search found first: service or referral (another office)",
	"found_category": "the category of the service the last search found first",
}

// conversationMessages are the engine's phrases for follow-up questions,
// referrals and the results' layout.
var conversationMessages = map[string]Text{
	"followup_which": {
		Polish:         "O którą usługę chodzi?",
		PolishInformal: "O którą usługę chodzi?",
		Ukrainian:      "Про яку послугу йдеться?",
		English:        "Which service do you mean?",
	},
	"followup_more": {
		Polish:         "Można zapytać o coś jeszcze: koszt, godziny, dokumenty, jak się zgłosić.",
		PolishInformal: "Możesz zapytać o coś jeszcze: koszt, godziny, dokumenty, jak się zgłosić.",
		Ukrainian:      "Можете запитати ще щось: вартість, години, документи, як звернутися.",
		English:        "You can ask more: cost, hours, documents, how to apply.",
	},
	"followup_unknown": {
		Polish:         "Katalog nie podaje: {{what}}. Najpewniej odpowiedzą pod numerem {{phone}}.",
		PolishInformal: "Katalog nie podaje: {{what}}. Najpewniej odpowiedzą pod numerem {{phone}}.",
		Ukrainian:      "У каталозі цього немає: {{what}}. Найточніше відповідять за номером {{phone}}.",
		English:        "The catalogue does not say ({{what}}). They will tell you at {{phone}}.",
	},
	"results_hint": {
		Polish:         "Szczegóły (koszt, godziny, dokumenty, jak się zgłosić) podam na prośbę — wystarczy zapytać.",
		PolishInformal: "Szczegóły (koszt, godziny, dokumenty, jak się zgłosić) podam, gdy zapytasz.",
		Ukrainian:      "Деталі (вартість, години, документи, як звернутися) — на ваше запитання.",
		English:        "Ask me for details: cost, hours, documents, how to apply.",
	},
	"language_switched": {
		Polish:    "Dobrze, piszę po polsku.",
		Ukrainian: "Добре, пишу українською.",
		English:   "Sure — I'll write in English.",
	},
	"label_apply":       {Polish: "Jak się zgłosić", Ukrainian: "Як звернутися", English: "How to apply"},
	"label_documents":   {Polish: "Dokumenty", Ukrainian: "Документи", English: "Documents"},
	"label_appointment": {Polish: "czy trzeba się umówić", Ukrainian: "чи потрібно записуватися", English: "whether you need an appointment"},
	"appointment_needed": {
		Polish:    "Trzeba się wcześniej umówić",
		Ukrainian: "Потрібно заздалегідь записатися",
		English:   "You need to make an appointment first",
	},
	"appointment_not_needed": {
		Polish:    "Można przyjść bez umawiania się",
		Ukrainian: "Можна прийти без запису",
		English:   "You can come without an appointment",
	},
}
