package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/redis/redistest"
)

// realisticSession is a session as the engine keeps it in the middle of a
// conversation, about 1 KB of JSON.
func realisticSession(key string) *bot.Session {
	t := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	return &bot.Session{
		Format: bot.SessionFormat, Key: key, Lang: "pl", Step: "opis_sytuacji",
		Vars: bot.Vars{
			"temat":        "opieka nad osobą starszą",
			"dla_kogo":     "mama",
			"wiek":         "84",
			"dzielnica":    "Śródmieście",
			"mieszka_sama": "tak",
			"kontakt":      "czat",
			"zgoda":        "tak",
			"opis":         "Mama po udarze, potrzebuje pomocy przy codziennych czynnościach, ja pracuję do 17 i nie daję rady. Czy można dostać opiekunkę na kilka godzin dziennie? Słyszałam też o dziennym domu pomocy.",
			"dochod":       "emerytura",
			"pilnosc":      "w tym tygodniu",
		},
		Offered: []string{"usl-opieka-domowa", "usl-specjalistyczne-uslugi-opiekuncze", "usl-dzienny-dom-pomocy", "usl-dps", "usl-teleopieka"},
		Misses:  1,
		Started: t, Updated: t.Add(6 * time.Minute),
	}
}

// BenchmarkMessage measures the store's work per resident message (Load,
// then Save with an event id) next to the least a store can do, a raw GET
// and SET of the same bytes, on one real redis-server in the same run. The
// store sub-benchmarks report their ratio to the raw one as "x-raw":
// "store" as configured by default (concurrent messages' commands
// batched), "store-alone" with every command sent by itself.
func BenchmarkMessage(b *testing.B) {
	srv := redistest.Start(b)
	for _, chats := range []int{1, 32} {
		var rawNsPerOp float64
		b.Run(fmt.Sprintf("chats=%d/raw", chats), func(b *testing.B) {
			cfg, _ := Config{URL: srv.URL()}.withDefaults()
			opts, _ := cfg.clientOptions()
			client := goredis.NewUniversalClient(opts)
			defer client.Close()
			data, err := json.Marshal(realisticSession("telegram:1"))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			defer measureCPU(b, client)()
			runChats(b, chats, func(ctx context.Context, key string, i int) error {
				if err := client.Get(ctx, key).Err(); err != nil && !errors.Is(err, goredis.Nil) {
					return err
				}
				return client.Set(ctx, key, data, time.Hour).Err()
			})
			rawNsPerOp = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		for _, v := range []struct {
			name      string
			pipelines int
		}{{"store", 0}, {"store-alone", -1}} {
			b.Run(fmt.Sprintf("chats=%d/%s", chats, v.name), func(b *testing.B) {
				st, err := New(context.Background(), Config{URL: srv.URL(), Pipelines: v.pipelines})
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				data, _ := json.Marshal(realisticSession("telegram:1"))
				b.SetBytes(int64(len(data)))
				defer measureCPU(b, st.client)()
				runChats(b, chats, func(ctx context.Context, key string, i int) error {
					eventID := strconv.Itoa(i)
					s, _, err := st.Load(ctx, key, eventID)
					if err != nil {
						return err
					}
					if s == nil {
						s = realisticSession(key)
					}
					s.Vars["n"] = eventID
					return st.Save(ctx, s, eventID)
				})
				if rawNsPerOp > 0 {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rawNsPerOp, "x-raw")
				}
				if n := st.batch.pipelines.Load(); n > 0 {
					b.ReportMetric(float64(st.batch.pipelined.Load())/float64(n), "cmds/pipeline")
				}
			})
		}
	}
}

// measureCPU reports the CPU time per message of this process (go-µs/op)
// and of redis-server (redis-µs/op) when the returned func is called: at
// 32 chats both cores are busy, so CPU per message decides the ratio.
func measureCPU(b *testing.B, client goredis.UniversalClient) func() {
	b.Helper()
	goStart, redisStart := processCPU(), redisCPU(b, client)
	return func() {
		goUsed, redisUsed := processCPU()-goStart, redisCPU(b, client)-redisStart
		b.ReportMetric(goUsed.Seconds()*1e6/float64(b.N), "go-µs/op")
		b.ReportMetric(redisUsed.Seconds()*1e6/float64(b.N), "redis-µs/op")
	}
}

// processCPU is the CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is the CPU time redis-server used so far (INFO cpu).
func redisCPU(b *testing.B, client goredis.UniversalClient) time.Duration {
	b.Helper()
	info, err := client.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatalf("redis cpu: %v", err)
	}
	var total time.Duration
	for line := range strings.Lines(info) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), ":")
		if name == "used_cpu_sys" || name == "used_cpu_user" {
			seconds, err := strconv.ParseFloat(value, 64)
			if err != nil {
				b.Fatalf("redis cpu: %s: %v", line, err)
			}
			total += time.Duration(seconds * float64(time.Second))
		}
	}
	return total
}

// runChats runs b.N messages spread over chats goroutines, each with its
// own chat key.
func runChats(b *testing.B, chats int, message func(ctx context.Context, key string, i int) error) {
	b.Helper()
	ctx := context.Background()
	run := atomic.Int64{}
	prefix := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	b.ReportAllocs()
	b.ResetTimer()
	if chats == 1 {
		for i := 0; i < b.N; i++ {
			if err := message(ctx, prefix+"0", i); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism((chats + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		key := prefix + strconv.FormatInt(run.Add(1), 10)
		for i := 0; pb.Next(); i++ {
			if err := message(ctx, key, i); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
