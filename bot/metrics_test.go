package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"okienko/bot"
	"okienko/bot/memory"
	"okienko/bot/metrics"
)

func TestEngineCountsWhatItDoes(t *testing.T) {
	reg := metrics.New()
	eng, err := bot.New(bot.Config{Script: bundledScript(t), Store: memory.New(), Searcher: testSearcher(t), Desk: &recordingDesk{}, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range []string{"opiekunka dla mamy", "naprawa samochodu po stłuczce", "nie chce juz zyc", "mam wszystkiego dość, szukam pomocy z czynszem"} {
		if _, err := eng.Handle(context.Background(), bot.Message{Channel: "telegram", ChatID: strconv.Itoa(i), EventID: "1", Text: line}); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	reg.WriteTo(&b)
	out := b.String()
	for _, want := range []string{
		`okienko_messages_in_total{channel="telegram"} 4`,
		`okienko_searches_total 3`,
		`okienko_searches_unconfident_total 2`, // the repair and the rent (tentative)
		`okienko_searches_tentative_total 1`,
		`okienko_crisis_total{group="samobojstwo"} 1`,
		`okienko_crisis_concern_total{group="samobojstwo"} 1`,
		`okienko_cases_opened_total{urgency="urgent"} 1`,
		`okienko_handle_seconds_count{channel="telegram"} 4`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
}
