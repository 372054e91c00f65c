package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/memory"
	"okienko/bot/script"
	"okienko/bot/tsvtest"
)

// TestLanguageOfFirstMessage measures the language a conversation's first
// message is answered in, on the development set (tuned on) and the
// frozen holdout.
func TestLanguageOfFirstMessage(t *testing.T) {
	for _, set := range []struct {
		name string
		min  float64
	}{{"dev", 1.0}, {"holdout", 0.85}} {
		t.Run(set.name, func(t *testing.T) {
			rows := tsvtest.Pairs(t, "testdata/language/"+set.name+".tsv")
			right := 0
			for i, r := range rows {
				h := newHarness(t, testSearcher(t))
				h.n = i * 10
				var lang string
				for _, ev := range h.say(t, r[0]) {
					if ev.Kind == bot.EventReply {
						lang = ev.Reply.Lang
						break
					}
				}
				if lang == r[1] {
					right++
				} else {
					t.Logf("%q answered in %q, want %q", r[0], lang, r[1])
				}
			}
			acc := float64(right) / float64(len(rows))
			t.Logf("%s: %d of %d first messages answered in their language (%.3f)", set.name, right, len(rows), acc)
			if acc < set.min {
				t.Errorf("accuracy %.3f, want ≥ %.2f", acc, set.min)
			}
		})
	}
}

// TestLanguageSwitchOnRequest: "can you answer in English?" in the
// middle of a conversation switches it, at the question it waits on.
func TestLanguageSwitchOnRequest(t *testing.T) {
	for _, r := range tsvtest.Pairs(t, "testdata/language/switch.tsv") {
		t.Run(r[0], func(t *testing.T) {
			h := newHarness(t, testSearcher(t))
			start := "Potrzebuję pomocy z rachunkami za prąd"
			if r[1] == script.Polish {
				start = "I need help with my electricity bills"
			}
			h.say(t, start)
			events := h.say(t, r[0])
			var got []string
			for _, ev := range events {
				if ev.Kind == bot.EventReply {
					got = append(got, ev.Reply.Lang)
					if len(ev.Reply.Choices) == 0 {
						t.Errorf("the question was not asked again: %q", ev.Reply.Text)
					}
				}
			}
			if len(got) != 1 || got[0] != r[1] {
				t.Errorf("replies in %v, want one in %s", got, r[1])
			}
		})
	}
}

// cardRE finds the numbered service cards of a results message.
var cardRE = regexp.MustCompile(`(?m)^\d\. `)

// TestResultsFitAPhoneScreen: whatever residents write, the first answer
// shows at most 3 services in at most 600 characters of cards (name, one
// line, how to reach them); details come on request.
func TestResultsFitAPhoneScreen(t *testing.T) {
	rows := tsvtest.Pairs(t, "../catalog/testdata/eval.tsv")
	shown := 0
	for i, r := range rows {
		h := newHarness(t, testSearcher(t))
		h.n = i * 10
		for _, ev := range h.say(t, r[0]) {
			if ev.Kind != bot.EventReply {
				continue
			}
			var cards []string
			for _, para := range strings.Split(ev.Reply.Text, "\n\n") {
				if cardRE.MatchString(para) && strings.Contains(para, "\n") {
					cards = append(cards, para)
				}
			}
			if len(cards) == 0 {
				continue
			}
			shown++
			text := strings.Join(cards, "\n\n")
			if len(cards) > 3 || len([]rune(text)) > 600 {
				t.Errorf("%q: %d services in %d characters:\n%s", r[0], len(cards), len([]rune(text)), text)
			}
		}
	}
	if shown < len(rows)/2 {
		t.Errorf("results shown for only %d of %d queries", shown, len(rows))
	}
}

// TestRegister: the bundled dialogs speak formally by default, in forms
// that do not assume the resident's gender; address: informal switches
// to the texts' pl_informal variants.
func TestRegister(t *testing.T) {
	greet := func(address string) string {
		sc := bundledScript(t)
		sc.Address = address
		eng, err := bot.New(bot.Config{Script: sc, Store: memory.New(), Clock: func() time.Time { return testTime }})
		if err != nil {
			t.Fatal(err)
		}
		events, err := eng.Handle(context.Background(), bot.Message{Channel: "test", ChatID: "1", EventID: "1", Text: "/start"})
		if err != nil {
			t.Fatal(err)
		}
		return replyText(events)
	}
	formal, informal := greet(""), greet(script.AddressInformal)
	for _, want := range []string{"Proszę nie podawać", "Proszę opisać sytuację"} {
		if !strings.Contains(formal, want) {
			t.Errorf("formal greeting lacks %q:\n%s", want, formal)
		}
	}
	for _, want := range []string{"Nie podawaj", "Opisz sytuację"} {
		if !strings.Contains(informal, want) {
			t.Errorf("informal greeting lacks %q:\n%s", want, informal)
		}
	}
	for _, gendered := range []string{"napisałeś", "podałeś", "dostałeś", "zgadzasz"} {
		if strings.Contains(formal, gendered) {
			t.Errorf("formal greeting says %q", gendered)
		}
	}
}

// TestAcknowledgementOncePerSituation: a bereavement is acknowledged
// with one sentence before the services, once in a conversation.
func TestAcknowledgementOncePerSituation(t *testing.T) {
	h := newHarness(t, testSearcher(t))
	first := replyText(h.say(t, "Tata zmarł miesiąc temu, szukam wsparcia psychologa"))
	if strings.Count(first, "Bardzo mi przykro") != 1 {
		t.Errorf("no acknowledgement before the services:\n%s", first)
	}
	h.say(t, "[inne]")
	again := replyText(h.say(t, "po śmierci taty potrzebuję porozmawiać z psychologiem"))
	if strings.Contains(again, "Bardzo mi przykro") {
		t.Errorf("acknowledged twice:\n%s", again)
	}
	h2 := newHarness(t, testSearcher(t))
	if plain := replyText(h2.say(t, "opiekunka dla mamy")); strings.Contains(plain, "przykro") {
		t.Errorf("acknowledgement without a situation:\n%s", plain)
	}
}

// TestCarerAcknowledgementNeedsSomeoneCaredFor: exhaustion is
// acknowledged as a carer's only when the description names someone cared
// for ("with" in the script); "nie mam już siły na nic" alone is not a
// carer's words.
func TestCarerAcknowledgementNeedsSomeoneCaredFor(t *testing.T) {
	const carer = "Opieka nad bliską osobą"
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"opiekuję się mamą po udarze i nie mam już siły, potrzebuję odpoczynku", true},
		{"tata ma alzheimera, ja już nie daję rady, szukam opieki wytchnieniowej", true},
		{"nie mam już siły na nic, gdzie dostanę zasiłek?", false},
		{"nie daję rady spłacać chwilówek", false},
	} {
		h := newHarness(t, testSearcher(t))
		got := replyText(h.say(t, tt.text))
		if strings.Contains(got, carer) != tt.want {
			t.Errorf("%q: carer acknowledgement %v, want %v:\n%s", tt.text, !tt.want, tt.want, got)
		}
	}
}

// TestFollowUpAboutOneService: with one service shown, a question is
// answered at once from its entry, naming it; with several, "which one?"
// comes first, and a number answers it.
func TestFollowUpAboutOneService(t *testing.T) {
	h := newHarness(t, testSearcher(t))
	h.say(t, "teleopieka — jak to działa?")
	got := replyText(h.say(t, "ile to kosztuje?"))
	if !strings.Contains(got, "„Teleopieka") || !strings.Contains(got, "Koszt:") || !strings.Contains(got, "Korpus Wsparcia Seniorów") {
		t.Errorf("cost of the one service shown:\n%s", got)
	}
	h = newHarness(t, testSearcher(t))
	h.say(t, "Mama ma 80 lat i potrzebuje opiekunki do domu")
	if got := replyText(h.say(t, "jaki jest numer telefonu?")); !strings.Contains(got, "O którą usługę chodzi?") {
		t.Errorf("several services with different phones: no question which:\n%s", got)
	}
	if got := replyText(h.say(t, "2")); !strings.Contains(got, "Telefon: +48 55 000 10 02") {
		t.Errorf("the second service's phone:\n%s", got)
	}
}
