package slack

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/script"
	"okienko/bot/slack/slackfake"
	"okienko/bot/telegram"
	"okienko/bot/telegram/telegramtest"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
	"okienko/dialogs"
)

// TestResidentOnTelegramToStaffInSlack: a resident on Telegram asks for a
// person, the case card appears in Slack, one organizer claims it (a
// second is refused), they talk through the bot (an internal note stays in
// Slack), the organizer closes the case and the resident rates the help.
func TestResidentOnTelegramToStaffInSlack(t *testing.T) {
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatal(probs.Err())
	}
	c, _ := catalog.Sample()
	th, _ := catalog.DefaultThesaurus()
	ix, err := catbleve.New(catbleve.Config{Catalog: c, Thesaurus: th})
	if err != nil {
		t.Fatal(err)
	}
	h, tgSrv := residentsOnTelegram(t, func(cfg *bot.Config, _ *redis.Store) { cfg.Script, cfg.Searcher = sc, ix })

	const me = 777
	const timeout = 5 * time.Second
	last := func(n int) telegramtest.Message {
		t.Helper()
		ms := tgSrv.WaitMessages(t, me, n, timeout)
		return ms[n-1]
	}
	tgSrv.PrivateText(me, "pl", "Moja mama po udarze nie radzi sobie sama w domu")
	if m := last(1); !strings.Contains(m.Text, "Usługi opiekuńcze") {
		t.Fatalf("results: %q", m.Text)
	}
	// The card in Slack, with the resident's words.
	caseID, cardTS := h.handOver(t, tgSrv, me, 1)
	if card := h.slack.message(cardTS); !strings.Contains(card.Get("blocks"), "po udarze") {
		t.Errorf("the card lacks the resident's words: %s", card.Get("blocks"))
	}

	// Anna claims; Piotr's claim is refused; the resident is told.
	h.click("U1", actionClaim, caseID, cardTS)
	if m := last(5); !strings.Contains(m.Text, "Anna") {
		t.Fatalf("claim reached the resident as %q", m.Text)
	}
	h.click("U2", actionClaim, caseID, cardTS)
	h.eventually("the second claim refused", func() bool {
		return slices.ContainsFunc(h.ephemerals("U2"), func(s string) bool { return strings.Contains(s, "U1") })
	})

	// The resident writes: it lands in the thread, the bot stays silent.
	tgSrv.PrivateText(me, "pl", "Dziękuję, mama ma 82 lata")
	inCase := func(what string) func() bool {
		return func() bool {
			return len(h.slack.posts(func(v url.Values) bool {
				return v.Get("thread_ts") == cardTS && strings.Contains(v.Get("text"), what)
			})) == 1
		}
	}
	h.eventually("the resident's words in the thread", inCase("82 lata"))
	// An internal note, then a reply for the resident typed as ">> …",
	// which Slack delivers escaped, with the link in its markup.
	h.say("Ev1", "U1", cardTS, slackfake.Escape("notatka: sprawdzić wywiad"))
	reply := h.say("Ev2", "U1", cardTS, slackfake.Escape(">> Dzień dobry, zadzwonię jutro rano & prześlę ")+
		slackfake.Link("https://cus.example.pl/wniosek", "wniosek")+slackfake.Escape(". Czy pasuje 1) rano, 2) po południu?"))
	if m := last(6); m.Text != "Anna: Dzień dobry, zadzwonię jutro rano & prześlę wniosek (https://cus.example.pl/wniosek). Czy pasuje 1) rano, 2) po południu?" {
		t.Fatalf("staff reply reached the resident as %q", m.Text)
	}
	h.eventually("the reply confirmed in the thread", inCase("wysłano"))
	// The same message again under a new event id: not delivered twice.
	h.deliver("Ev2-again", reply)

	// The resident answers "2": it is for Anna, not the waiting step's
	// buttons.
	tgSrv.PrivateText(me, "pl", "2")
	h.eventually("the resident's answer in the thread", inCase("*Mieszkaniec:* 2"))

	// Anna goes off shift: she transfers the case to Piotr.
	h.pick("U1", actionTransfer, cardTS, "U2")
	if m := last(7); !strings.Contains(m.Text, "Piotr") {
		t.Fatalf("the transfer reached the resident as %q", m.Text)
	}
	h.say("Ev3", "U1", cardTS, slackfake.Escape(">> jeszcze ja")) // Anna no longer holds it
	h.say("Ev4", "U2", cardTS, slackfake.Escape(">> Dzień dobry, tu Piotr. Zadzwonię *po 14*."))
	if m := last(8); m.Text != "Piotr: Dzień dobry, tu Piotr. Zadzwonię po 14." {
		t.Fatalf("the new holder's reply reached the resident as %q", m.Text)
	} else if want := []telegramtest.Entity{{Type: "bold", Offset: len(utf16.Encode([]rune("Piotr: Dzień dobry, tu Piotr. Zadzwonię "))), Length: 5}}; !slices.Equal(m.Entities, want) {
		t.Errorf("the reply's bold reached Telegram as entities %+v; want %+v", m.Entities, want)
	}

	// A crisis inside the claimed case: emergency numbers for the
	// resident; in Slack an alert in the channel mentioning the on-duty
	// group, on the same case.
	tgSrv.PrivateText(me, "pl", "nie chce juz zyc")
	if m := last(9); !strings.Contains(m.Text, "112") {
		t.Fatalf("crisis reply: %q", m.Text)
	}
	h.eventually("the crisis alert in the channel", func() bool {
		return len(h.slack.posts(func(v url.Values) bool {
			return v.Get("thread_ts") == cardTS && v.Get("reply_broadcast") == "true" && strings.Contains(v.Get("text"), "<!subteam^"+testOnDuty+">")
		})) == 1
	})
	if n := len(h.slack.posts(isCard)); n != 1 {
		t.Errorf("cards: %d; want the crisis on the same case", n)
	}

	// Piotr closes; the resident rates.
	h.click("U2", actionClose, caseID, cardTS)
	var rating telegramtest.Message
	for n := 10; ; n++ {
		m := last(n)
		if strings.Contains(m.Text, "otrzymaną pomoc") {
			rating = m
			break
		}
		if n > 14 {
			t.Fatalf("no rating question after the close; last %q", m.Text)
		}
	}
	tgSrv.Press(me, "pl", rating.MessageID, "5")
	h.eventually("thanks for the rating", func() bool {
		ms := tgSrv.Messages(me)
		return strings.Contains(ms[len(ms)-1].Text, "Dziękuję za ocenę")
	})
	var anna, jeszcze int
	for _, m := range tgSrv.Messages(me) {
		if strings.Contains(m.Text, "notatka") {
			t.Errorf("an internal note reached the resident: %q", m.Text)
		}
		if strings.Contains(m.Text, "zadzwonię jutro rano") {
			anna++
		}
		if strings.Contains(m.Text, "jeszcze ja") {
			jeszcze++
		}
	}
	if anna != 1 || jeszcze != 0 {
		t.Errorf("Anna's reply reached the resident %d times (want 1); her reply after the transfer %d times (want 0)", anna, jeszcze)
	}
	if got := h.audits(cardTS); len(got) != 3 {
		t.Errorf("audit lines %q; want claim, transfer, close", got)
	}
}

// handOver has Telegram resident me, who already holds seen messages, ask
// for a person by chat and consent (the bundled dialog), and returns the
// case and the thread of its card once the card is posted.
func (h *harness) handOver(t *testing.T, tgSrv *telegramtest.Server, me int64, seen int) (caseID, cardTS string) {
	t.Helper()
	last := func(n int) telegramtest.Message {
		t.Helper()
		return tgSrv.WaitMessages(t, me, n, 5*time.Second)[n-1]
	}
	tgSrv.PrivateText(me, "pl", "/czlowiek")
	tgSrv.Press(me, "pl", last(seen+1).MessageID, "czat")
	tgSrv.Press(me, "pl", last(seen+2).MessageID, "tak")
	if m := last(seen + 3); !strings.Contains(m.Text, "Przekazano sprawę") {
		t.Fatalf("after consent: %q", m.Text)
	}
	h.eventually("the case card", func() bool {
		waiting, err := h.book.Waiting(h.ctx)
		if err != nil || len(waiting) != 1 || waiting[0].ThreadTS == "" {
			return false
		}
		caseID, cardTS = waiting[0].ID, waiting[0].ThreadTS
		return true
	})
	return caseID, cardTS
}

// residentsOnTelegram wires what cmd/okienko wires for a Telegram resident
// and a Slack desk: an engine over the harness's store and desk (configure
// adds the script and the rest), a StaffRelay routing staff replies to
// Telegram, and the Telegram channel polling a fake Bot API until the test
// ends.
func residentsOnTelegram(t *testing.T, configure func(*bot.Config, *redis.Store)) (*harness, *telegramtest.Server) {
	t.Helper()
	relay := &bot.StaffRelay{}
	var store *redis.Store
	h := newHarnessWith(t, func(st *redis.Store) StaffHandler { store = st; return relay })
	cfg := bot.Config{Store: store, Desk: h.desk}
	configure(&cfg, store)
	eng, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	relay.Attach(eng)
	tgSrv := telegramtest.New(t, "123:tg-test")
	tg, err := telegram.New(telegram.Config{Token: "123:tg-test", APIEndpoint: tgSrv.Endpoint(), PollTimeout: time.Second,
		PerChatInterval: 10 * time.Millisecond, MessagesPerSecond: 1000, DrainTimeout: 5 * time.Second,
		RetryBackoff: 10 * time.Millisecond, MaxRetries: 2,
		Undelivered: func(chatID string, why bot.Undelivered) { eng.Undelivered(telegram.Channel, chatID, why) },
		Logger:      slog.New(slog.NewTextHandler(h.logs, nil))}, eng)
	if err != nil {
		t.Fatal(err)
	}
	relay.Route(telegram.Channel, tg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h, tgSrv
}
