package telegram_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/telegram"
	"okienko/bot/telegram/telegramtest"
)

// BenchmarkSendMessageBaseline is one sendMessage form POST to the loopback
// fake, made directly: the cost the outbox adds to is measured against it.
func BenchmarkSendMessageBaseline(b *testing.B) {
	srv := telegramtest.New(b, token)
	endpoint := srv.URL + "/bot" + token + "/sendMessage"
	client := &http.Client{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		form := url.Values{"chat_id": {strconv.Itoa(1 + i%64)}, "text": {"Dzień dobry, tu Centrum."}}
		resp, err := client.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkOutbox sends replies to 64 chats through Bot.Send, the outbox and
// the SDK, with the rate limits lifted, and waits until all arrived.
func BenchmarkOutbox(b *testing.B) {
	srv := telegramtest.New(b, token)
	bt, err := telegram.New(telegram.Config{
		Token:             token,
		APIEndpoint:       srv.Endpoint(),
		PerChatInterval:   time.Nanosecond,
		MessagesPerSecond: 1e9,
		Commands:          map[string][]telegram.Command{},
		Logger:            slog.New(slog.DiscardHandler),
	}, noEngine{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bt.Run(ctx) }()
	defer func() { cancel(); <-done }()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := bt.Send(strconv.Itoa(1+i%64), bot.Reply{Text: "Dzień dobry, tu Centrum."}); err != nil {
			b.Fatal(err)
		}
	}
	for srv.Delivered() < b.N {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
}

// noEngine is for benchmarks that never receive messages.
type noEngine struct{}

func (noEngine) Handle(context.Context, bot.Message) ([]bot.Event, error) { return nil, nil }
