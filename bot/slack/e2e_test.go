package slack

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/script"
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
	relay := &bot.StaffRelay{} // what cmd/okienko wires
	var store *redis.Store
	h := newHarnessWith(t, func(st *redis.Store) StaffHandler { store = st; return relay })
	eng, err := bot.New(bot.Config{Script: sc, Store: store, Searcher: ix, Desk: h.desk})
	if err != nil {
		t.Fatal(err)
	}
	relay.Attach(eng)
	tgSrv := telegramtest.New(t, "123:tg-test")
	tg, err := telegram.New(telegram.Config{Token: "123:tg-test", APIEndpoint: tgSrv.Endpoint(), PollTimeout: time.Second,
		PerChatInterval: 10 * time.Millisecond, MessagesPerSecond: 1000, DrainTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(h.logs, nil))}, eng)
	if err != nil {
		t.Fatal(err)
	}
	relay.Route(telegram.Channel, tg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

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
	tgSrv.PrivateText(me, "pl", "/czlowiek")
	tgSrv.Press(me, "pl", last(2).MessageID, "czat")
	tgSrv.Press(me, "pl", last(3).MessageID, "tak")
	if m := last(4); !strings.Contains(m.Text, "Przekazałem sprawę") {
		t.Fatalf("after consent: %q", m.Text)
	}

	// The card in Slack, with the resident's words.
	var cardTS, caseID string
	h.eventually("the case card", func() bool {
		waiting, err := h.book.Waiting(h.ctx)
		if err != nil || len(waiting) != 1 || waiting[0].ThreadTS == "" {
			return false
		}
		caseID, cardTS = waiting[0].ID, waiting[0].ThreadTS
		return true
	})
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
	h.eventually("the resident's words in the thread", func() bool {
		return len(h.slack.posts(func(v url.Values) bool {
			return v.Get("thread_ts") == cardTS && strings.Contains(v.Get("text")+v.Get("blocks"), "82 lata")
		})) == 1
	})
	// An internal note, then a reply for the resident.
	h.event("Ev1", map[string]any{"user": "U1", "text": "notatka: sprawdzić wywiad", "ts": "1700000200.000100", "thread_ts": cardTS})
	h.event("Ev2", map[string]any{"user": "U1", "text": ">> Dzień dobry, zadzwonię jutro rano.", "ts": "1700000201.000100", "thread_ts": cardTS})
	if m := last(6); m.Text != "Anna: Dzień dobry, zadzwonię jutro rano." {
		t.Fatalf("staff reply reached the resident as %q", m.Text)
	}
	h.eventually("the reply confirmed in the thread", func() bool {
		return len(h.slack.posts(func(v url.Values) bool {
			return v.Get("thread_ts") == cardTS && strings.Contains(v.Get("text"), "wysłano")
		})) == 1
	})

	// Anna closes; the resident rates.
	h.click("U1", actionClose, caseID, cardTS)
	if m := last(7); !strings.Contains(m.Text, "zakończył rozmowę") {
		t.Fatalf("close reached the resident as %q", m.Text)
	}
	rating := last(8)
	if !strings.Contains(rating.Text, "Jak oceniasz") {
		t.Fatalf("rating question: %q", rating.Text)
	}
	tgSrv.Press(me, "pl", rating.MessageID, "5")
	if m := last(9); !strings.Contains(m.Text, "Dziękuję za ocenę") {
		t.Fatalf("after the rating: %q", m.Text)
	}
	for _, m := range tgSrv.Messages(me) {
		if strings.Contains(m.Text, "notatka") {
			t.Errorf("an internal note reached the resident: %q", m.Text)
		}
	}
}
