package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/redis/redistest"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
)

func TestBenchReports(t *testing.T) {
	for _, rounds := range []string{"1", "3"} {
		out := runOK(t, "", "bench", "--duration", "300ms", "--concurrency", "4", "--rounds", rounds, "--json")
		var r benchReport
		if err := json.Unmarshal([]byte(lastLine(out)), &r); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		if r.Messages == 0 || r.Errors != 0 || r.RawPerSec <= 0 || r.Ratio <= 0 || r.P99 < r.P50 || r.AllocsPerMessage <= 0 ||
			r.CPUPerMessage <= 0 || r.RawCPUPerOp <= 0 {
			t.Errorf("--rounds %s: report = %+v", rounds, r)
		}
	}
}

// benchEngines starts a redis-server and returns a function making an
// engine on it with the bundled script, the sample catalogue (searched with
// cacheSize, see catbleve.Config) and a quiet logger, as `okienko bench`
// wires them; each is closed when the benchmark that made it ends.
func benchEngines(b *testing.B) func(b *testing.B, cacheSize int) *bot.Engine {
	b.Helper()
	srv := redistest.Start(b)
	var io stdio
	io.err = os.Stderr
	sc, err := loadScript(openDialogs(""), io, false)
	if err != nil {
		b.Fatal(err)
	}
	c, probs := catalog.Sample()
	if c == nil {
		b.Fatal(probs)
	}
	th, probs := catalog.DefaultThesaurus()
	if th == nil {
		b.Fatal(probs)
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	stf := storeFlags{url: srv.URL(), getenv: func(string) string { return "" }}
	store, err := stf.open(context.Background(), io, quiet)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return func(b *testing.B, cacheSize int) *bot.Engine {
		searcher, err := catbleve.New(catbleve.Config{Catalog: c, Thesaurus: th, CacheSize: cacheSize, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { searcher.Close() })
		eng, err := bot.New(bot.Config{Script: sc, Store: store, Searcher: searcher, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return eng
	}
}

// BenchmarkConversation runs the conversation `okienko bench` drives, one
// message at a time, against a real redis-server: profile the message path
// with -memprofile/-cpuprofile. Reports allocations per message.
func BenchmarkConversation(b *testing.B) {
	engine := benchEngines(b)
	// "uncached": every search goes to bleve, as when residents' words
	// never repeat; the default remembers recent searches.
	for _, v := range []struct {
		name  string
		cache int
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(v.name, func(b *testing.B) {
			eng := engine(b, v.cache)
			ctx := context.Background()
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				line := benchConversation[i%len(benchConversation)]
				msg := bot.Message{Channel: "bench", ChatID: run + "-" + strconv.Itoa(i/len(benchConversation)),
					EventID: strconv.Itoa(i), Text: line.text, Choice: line.choice}
				if _, err := eng.Handle(ctx, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkConversation32 is BenchmarkConversation with 32 residents at
// once (per GOMAXPROCS), as `okienko bench --concurrency 32` runs it. It
// reports this process's CPU time per message (cpu-µs/op): redis-server
// shares the cores, so that decides the throughput.
func BenchmarkConversation32(b *testing.B) {
	eng := benchEngines(b)(b, 0)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var worker atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	cpu := processCPU()
	defer func() {
		b.ReportMetric(float64(processCPU()-cpu)/1e3/float64(b.N), "cpu-µs/op")
	}()
	b.RunParallel(func(pb *testing.PB) {
		w := strconv.FormatInt(worker.Add(1), 10)
		for i := 0; pb.Next(); i++ {
			line := benchConversation[i%len(benchConversation)]
			msg := bot.Message{Channel: "bench", ChatID: run + "-" + w + "-" + strconv.Itoa(i/len(benchConversation)),
				EventID: strconv.Itoa(i), Text: line.text, Choice: line.choice}
			if _, err := eng.Handle(context.Background(), msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
