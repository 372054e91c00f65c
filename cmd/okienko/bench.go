package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	sessions := fl.Int("sessions", 0, "first store this many residents' sessions (as after a few messages) and report the process's memory before and after")
	cpuProfile := fl.String("cpuprofile", "", "write a CPU profile of the engine phase to this file (for go tool pprof)")
	rounds := fl.Int("rounds", 1, "split each phase into this many slices and alternate them (raw, engine, raw, …), so that a shared machine's load falls on both alike")
	var cat catalogFlags
	cat.register(fl)
	var stf storeFlags
	stf.register(fl)
	if err := parseInterspersed(fl, args); err != nil {
		return usageError(err.Error())
	}
	if *concurrency < 1 || *duration <= 0 || *sessions < 0 || *rounds < 1 {
		return usageError("bench: --concurrency must be ≥ 1, --duration > 0, --sessions ≥ 0 and --rounds ≥ 1")
	}
	if *cpuProfile != "" && *rounds > 1 {
		return usageError("bench: --cpuprofile profiles one engine phase: use it with --rounds 1")
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
	var mem memoryReport
	if *sessions > 0 {
		if mem, err = fillSessions(ctx, eng, store.Store, run, *sessions, *concurrency); err != nil {
			return err
		}
	}
	sample, _ := json.Marshal(&bot.Session{Format: bot.SessionFormat, Key: "bench:x", Lang: "pl", Step: "temat",
		Vars: bot.Vars{"temat": "seniorzy", "dla_kogo": "bliski", "opis": "Mama po udarze potrzebuje pomocy w domu"}})
	var profile *os.File
	if *cpuProfile != "" {
		if profile, err = os.Create(*cpuProfile); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer profile.Close()
	}
	var (
		raw, engine       measured
		rawCPU, engineCPU time.Duration
		mallocs           uint64
		slice             = *duration / time.Duration(*rounds)
		before, after     runtime.MemStats
	)
	for round := range *rounds {
		// Every phase starts from a collected heap, so that none pays for
		// the garbage of loading the catalogue and the script.
		runtime.GC()
		cpu := processCPU()
		raw.add(measure(ctx, *concurrency, slice, func(ctx context.Context, worker, i int) error {
			return store.RawRoundTrip(ctx, run+":"+strconv.Itoa(worker), sample)
		}))
		rawCPU += processCPU() - cpu
		chats := run + "r" + strconv.Itoa(round) // each round's residents start new conversations
		if profile != nil {
			if err := pprof.StartCPUProfile(profile); err != nil {
				return fmt.Errorf("bench: cpu profile: %w", err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&before)
		cpu = processCPU()
		engine.add(measure(ctx, *concurrency, slice, func(ctx context.Context, worker, i int) error {
			line := benchConversation[i%len(benchConversation)]
			msg := bot.Message{Channel: "bench", ChatID: chats + "-" + strconv.Itoa(worker) + "-" + strconv.Itoa(i/len(benchConversation)),
				EventID: strconv.Itoa(i), Text: line.text, Choice: line.choice}
			_, err := eng.Handle(ctx, msg)
			return err
		}))
		engineCPU += processCPU() - cpu
		runtime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
		if profile != nil {
			pprof.StopCPUProfile()
			if err := profile.Close(); err != nil {
				return fmt.Errorf("bench: cpu profile: %w", err)
			}
		}
	}
	slices.Sort(raw.latencies)
	slices.Sort(engine.latencies)
	if *sessions > 0 {
		mem.HeapAfterRun, mem.RSSAfterRun = heapInUse(), residentSet()
	}
	r := benchReport{
		Memory:      mem,
		Concurrency: *concurrency, Messages: engine.n, MessagesPerSec: engine.perSec(),
		P50: engine.pct(0.50), P95: engine.pct(0.95), P99: engine.pct(0.99),
		AllocsPerMessage: float64(mallocs) / float64(max(engine.n, 1)),
		RawPerSec:        raw.perSec(), RawP99: raw.pct(0.99), Errors: engine.errors + raw.errors,
		CPUPerMessage: perOp(engineCPU, engine.n), RawCPUPerOp: perOp(rawCPU, raw.n),
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
	fmt.Fprintf(io.out, "bot CPU:         %v per message, %v per raw GET+SET (this process only)\n", r.CPUPerMessage, r.RawCPUPerOp)
	if *sessions > 0 {
		m := r.Memory
		fmt.Fprintf(io.out, "memory:          heap %s, RSS %s with no sessions stored; heap %s, RSS %s with %d (%.0f s to store); heap %s, RSS %s after the run\n",
			mb(m.HeapBefore), mb(m.RSSBefore), mb(m.HeapFilled), mb(m.RSSFilled), m.Sessions, m.FillSeconds, mb(m.HeapAfterRun), mb(m.RSSAfterRun))
		if store.embedded != nil {
			fmt.Fprintln(io.out, "                 (the embedded Redis lives in this process: give --redis to measure the bot alone)")
		}
	}
	return nil
}

// memoryReport is the process's memory around storing many sessions: the
// bot keeps conversations in Redis, so its own memory should stay flat.
type memoryReport struct {
	Sessions     int     `json:"sessions,omitempty"`
	FillSeconds  float64 `json:"fill_seconds,omitempty"`
	HeapBefore   uint64  `json:"heap_before,omitempty"`
	RSSBefore    uint64  `json:"rss_before,omitempty"`
	HeapFilled   uint64  `json:"heap_filled,omitempty"`
	RSSFilled    uint64  `json:"rss_filled,omitempty"`
	HeapAfterRun uint64  `json:"heap_after_run,omitempty"`
	RSSAfterRun  uint64  `json:"rss_after_run,omitempty"`
}

// fillSessions stores n sessions like the one a short real conversation
// leaves (copied under n chat keys), from workers goroutines, and measures
// memory before and after.
func fillSessions(ctx context.Context, eng *bot.Engine, st bot.SessionStore, run string, n, workers int) (memoryReport, error) {
	m := memoryReport{Sessions: n, HeapBefore: heapInUse(), RSSBefore: residentSet()}
	template := bot.Message{Channel: "bench", ChatID: run + "-template"}
	for i, line := range benchConversation[:6] {
		msg := template
		msg.EventID, msg.Text, msg.Choice = strconv.Itoa(i), line.text, line.choice
		if _, err := eng.Handle(ctx, msg); err != nil {
			return m, fmt.Errorf("bench: a conversation to copy: %w", err)
		}
	}
	sample, _, err := st.Load(ctx, template.Key(), "")
	if err != nil || sample == nil {
		return m, fmt.Errorf("bench: load the conversation to copy: %v", err)
	}
	start := time.Now()
	var (
		next  atomic.Int64
		first atomic.Pointer[error]
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || first.Load() != nil {
					return
				}
				s := *sample
				s.Key, s.Version, s.Applied = "bench:"+run+"-stored-"+strconv.FormatInt(i, 10), 0, ""
				if err := st.Save(ctx, &s, "e"+strconv.FormatInt(i, 10)); err != nil {
					err = fmt.Errorf("bench: store session %d: %w", i, err)
					first.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := first.Load(); err != nil {
		return m, *err
	}
	m.FillSeconds = time.Since(start).Seconds()
	m.HeapFilled, m.RSSFilled = heapInUse(), residentSet()
	return m, nil
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// residentSet is the process's resident memory (Linux), 0 where unknown.
func residentSet() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// processCPU is the CPU time (user and system) this process used so far;
// 0 where unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perOp divides d among n operations, 0 for none.
func perOp(d time.Duration, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return (d / time.Duration(n)).Round(100 * time.Nanosecond)
}

func mb(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// benchReport is what `okienko bench` prints.
type benchReport struct {
	Memory           memoryReport  `json:"memory,omitzero"`
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
	// CPUPerMessage and RawCPUPerOp are this process's CPU time (user and
	// system) per message and per raw GET+SET: on a machine whose cores
	// Redis shares, they decide the ratio.
	CPUPerMessage time.Duration `json:"cpu_per_message_ns"`
	RawCPUPerOp   time.Duration `json:"raw_cpu_per_op_ns"`
	Errors        int           `json:"errors"`
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

// add counts another slice of the same phase (latencies unsorted until
// the caller sorts them).
func (m *measured) add(o measured) {
	m.n += o.n
	m.errors += o.errors
	m.elapsed += o.elapsed
	m.latencies = append(m.latencies, o.latencies...)
}

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
