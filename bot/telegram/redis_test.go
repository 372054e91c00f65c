package telegram_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
	"okienko/bot/script"
	"okienko/dialogs"
)

// oneService is a catalogue that always finds the same service.
type oneService struct{}

func (oneService) Search(_ context.Context, q bot.SearchQuery) (bot.SearchResult, error) {
	return bot.SearchResult{Confident: true, Services: []bot.Service{{
		ID: "uslugi-opiekuncze", Name: "Usługi opiekuńcze w domu", Category: "seniorzy",
		Summary:  "Pomoc w codziennych czynnościach u osoby w domu.",
		Provider: bot.Provider{Name: "CUS Przykładowo", Address: "ul. Długa 5", Phone: "55 000 00 10"},
	}}}, nil
}

// TestConversationOnRedis runs the channel as `okienko serve` does, on a
// real redis-server with AOF: a free-text description first, the results,
// a request for a person by button; then Redis stops in the middle of the
// conversation — the resident gets the apology with the Centre's phone
// within 3 s of writing — and after it restarts the conversation goes on
// where it was.
func TestConversationOnRedis(t *testing.T) {
	rs := redistest.Start(t, redistest.WithAOF())
	st, err := redis.New(context.Background(), redis.Config{URL: rs.URL(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatal(probs.Err())
	}
	eng, err := bot.New(bot.Config{Script: sc, Store: st, Searcher: oneService{}, Clock: func() time.Time { return testTime }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, nil, eng, nil)
	const me = 1001
	h.srv.PrivateText(me, "pl", "Moja mama po udarze nie radzi sobie sama w domu")
	ms := h.srv.WaitMessages(t, me, 1, timeout)
	if !strings.Contains(ms[0].Text, "Usługi opiekuńcze w domu") || !strings.Contains(ms[0].Text, "55 000 00 10") {
		t.Fatalf("results = %q", ms[0].Text)
	}
	if got := lastButtons(ms); !slices.Contains(got, "osoba") {
		t.Fatalf("buttons under the results = %q", got)
	}
	h.srv.Press(me, "pl", ms[0].MessageID, "osoba")
	ms = h.srv.WaitMessages(t, me, 2, timeout)
	if got := lastButtons(ms); !slices.Equal(got, []string{"czat", "telefon"}) {
		t.Fatalf("after asking for a person: %q, buttons %q", ms[1].Text, got)
	}

	rs.Stop()
	sent := time.Now()
	h.srv.Press(me, "pl", ms[1].MessageID, "czat")
	ms = h.srv.WaitMessages(t, me, 3, timeout)
	elapsed := time.Since(sent)
	if !strings.Contains(ms[2].Text, "Przepraszamy") || !strings.Contains(ms[2].Text, sc.Centre.Phone) {
		t.Errorf("with Redis down: %q; want the apology with %q", ms[2].Text, sc.Centre.Phone)
	}
	if elapsed > 3*time.Second {
		t.Errorf("the apology reached the resident %v after the tap; want within 3 s", elapsed)
	}
	t.Logf("apology delivered %v after the tap", elapsed)
	if ms[1].Keyboard == nil {
		t.Error("the keyboard was removed although the choice was not applied: the resident cannot tap again")
	}

	// The resident taps the same button again once Redis is back.
	rs.Restart()
	h.srv.Press(me, "pl", ms[1].MessageID, "czat")
	ms = h.srv.WaitMessages(t, me, 4, timeout)
	if !strings.Contains(ms[3].Text, "30 dniach") {
		t.Errorf("after Redis restarted: %q; want the consent question of the step reached before", ms[3].Text)
	}
	if ms[1].Keyboard != nil {
		t.Error("the keyboard stays after the choice was applied")
	}
}
