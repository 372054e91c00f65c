package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"okienko/bot"
)

// runBench drives simulated residents through the full engine and session
// store and compares the store's work with a raw Redis GET+SET ceiling
// measured at the same concurrency, in the same run.
func runBench(ctx context.Context, args []string, io stdio) error {
	fl := flag.NewFlagSet("bench", flag.ContinueOnError)
	fl.SetOutput(io.err)
	concurrency := fl.Int("concurrency", 32, "simulated residents talking at once")
	duration := fl.Duration("duration", 10*time.Second, "how long each phase runs")
	dir := fl.String("dialogs", "", "folder of dialog scripts (default: ./dialogs if present, else the bundled ones)")
	asJSON := fl.Bool("json", false, "print the figures as one JSON object")
	var cat catalogFlags
	cat.register(fl)
	var stf storeFlags
	stf.register(fl)
	if err := parseInterspersed(fl, args); err != nil {
		return usageError(err.Error())
	}
	if *concurrency < 1 || *duration <= 0 {
		return usageError("bench: --concurrency must be ≥ 1 and --duration > 0")
	}
	quiet := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelError}))
	sc, err := loadScript(openDialogs(*dir), io, false)
	if err != nil {
		return err
	}
	searcher, err := cat.searcher(io)
	if err != nil {
		return err
	}
	defer searcher.Close()
	store, err := stf.open(ctx, io, quiet)
	if err != nil {
		return err
	}
	defer store.Close()
	eng, err := bot.New(bot.Config{Script: sc, Store: store, Searcher: searcher, Logger: quiet})
	if err != nil {
		return err
	}
	fmt.Fprintf(io.err, "bench: %d residents for %v against %s\n", *concurrency, *duration, store.where)

	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	sample, _ := json.Marshal(&bot.Session{Format: bot.SessionFormat, Key: "bench:x", Lang: "pl", Step: "temat",
		Vars: bot.Vars{"temat": "seniorzy", "dla_kogo": "bliski", "opis": "Mama po udarze potrzebuje pomocy w domu"}})
	raw := measure(ctx, *concurrency, *duration, func(ctx context.Context, worker, i int) error {
		return store.RawRoundTrip(ctx, run+":"+strconv.Itoa(worker), sample)
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	engine := measure(ctx, *concurrency, *duration, func(ctx context.Context, worker, i int) error {
		line := benchConversation[i%len(benchConversation)]
		msg := bot.Message{Channel: "bench", ChatID: run + "-" + strconv.Itoa(worker) + "-" + strconv.Itoa(i/len(benchConversation)),
			EventID: strconv.Itoa(i), Text: line.text, Choice: line.choice}
		_, err := eng.Handle(ctx, msg)
		return err
	})
	runtime.ReadMemStats(&after)
	r := benchReport{
		Concurrency: *concurrency, Messages: engine.n, MessagesPerSec: engine.perSec(),
		P50: engine.pct(0.50), P95: engine.pct(0.95), P99: engine.pct(0.99),
		AllocsPerMessage: float64(after.Mallocs-before.Mallocs) / float64(max(engine.n, 1)),
		RawPerSec:        raw.perSec(), RawP99: raw.pct(0.99), Errors: engine.errors + raw.errors,
	}
	r.Ratio = r.MessagesPerSec / max(r.RawPerSec, 1)
	if *asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintf(io.out, "%s\n", b)
		return nil
	}
	fmt.Fprintf(io.out, "messages:        %d (%.0f/s), errors %d\n", r.Messages, r.MessagesPerSec, r.Errors)
	fmt.Fprintf(io.out, "latency:         p50 %v, p95 %v, p99 %v\n", r.P50, r.P95, r.P99)
	fmt.Fprintf(io.out, "allocations:     %.0f per message\n", r.AllocsPerMessage)
	fmt.Fprintf(io.out, "raw GET+SET:     %.0f/s (p99 %v) at the same concurrency\n", r.RawPerSec, r.RawP99)
	fmt.Fprintf(io.out, "ratio to raw:    %.2f\n", r.Ratio)
	return nil
}

// benchReport is what `okienko bench` prints.
type benchReport struct {
	Concurrency      int           `json:"concurrency"`
	Messages         int           `json:"messages"`
	MessagesPerSec   float64       `json:"messages_per_sec"`
	P50              time.Duration `json:"p50_ns"`
	P95              time.Duration `json:"p95_ns"`
	P99              time.Duration `json:"p99_ns"`
	AllocsPerMessage float64       `json:"allocs_per_message"`
	RawPerSec        float64       `json:"raw_per_sec"`
	RawP99           time.Duration `json:"raw_p99_ns"`
	Ratio            float64       `json:"ratio"`
	Errors           int           `json:"errors"`
}

// benchConversation is one resident's conversation: buttons, a free
// description with a search, a request for a person with consent, and
// the end; a resident starts again in a new chat after it.
var benchConversation = []struct{ text, choice string }{
	{"/start", ""}, {"", "seniorzy"}, {"", "bliski"}, {"", "opieka_dom"}, {"", "inne"},
	{"mąż pije i nie mam pieniędzy na czynsz", ""}, {"/czlowiek", ""}, {"", "czat"}, {"", "tak"},
	{"", "koniec"},
}

// measured is the outcome of one phase.
type measured struct {
	n, errors int
	elapsed   time.Duration
	latencies []time.Duration
}

func (m measured) perSec() float64 { return float64(m.n) / m.elapsed.Seconds() }

func (m measured) pct(p float64) time.Duration {
	if len(m.latencies) == 0 {
		return 0
	}
	return m.latencies[int(p*float64(len(m.latencies)-1))]
}

// measure runs op from concurrency workers for d and collects latencies.
func measure(ctx context.Context, concurrency int, d time.Duration, op func(ctx context.Context, worker, i int) error) measured {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu    sync.Mutex
		all   []time.Duration
		errs  atomic.Int64
		wg    sync.WaitGroup
		start = time.Now()
	)
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if err := op(context.WithoutCancel(ctx), w, i); err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return measured{n: len(all), errors: int(errs.Load()), elapsed: time.Since(start), latencies: all}
}
