package redis_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
	"okienko/bot/needs"
	"okienko/bot/redis"
	"okienko/bot/redis/redistest"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
)

var warsaw = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		panic(err)
	}
	return loc
}()

// today is the start of today in Warsaw.
func today() time.Time {
	y, m, d := time.Now().In(warsaw).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, warsaw)
}

// needsBackends are a real redis-server and a real one-node Cluster (where
// the day's two keys live in different slots).
func needsBackends(t *testing.T) map[string]func() (redis.Config, *redistest.Server) {
	return map[string]func() (redis.Config, *redistest.Server){
		"real": func() (redis.Config, *redistest.Server) {
			srv := redistest.Start(t)
			return redis.Config{URL: srv.URL()}, srv
		},
		"cluster": func() (redis.Config, *redistest.Server) {
			srv := redistest.Start(t, redistest.WithCluster())
			return redis.Config{Addrs: []string{srv.Addr()}, Cluster: true}, srv
		},
	}
}

func openNeeds(t *testing.T, cfg redis.Config, ncfg redis.NeedsConfig) (*redis.Store, *redis.Needs) {
	t.Helper()
	st, err := redis.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n, err := redis.NewNeeds(st, ncfg)
	if err != nil {
		t.Fatal(err)
	}
	return st, n
}

// randomFacts are what one message could cause, resident's words included.
func randomFacts(rng *rand.Rand) []needs.Fact {
	var facts []needs.Fact
	for range 1 + rng.IntN(4) {
		switch rng.IntN(9) {
		case 0:
			facts = append(facts, needs.Fact{Kind: needs.Conversation, Value: []string{"pl", "uk", "en"}[rng.IntN(3)]})
		case 1:
			facts = append(facts, needs.Fact{Kind: needs.Topic, Topic: []string{"seniorzy", "rodzina", "mieszkanie"}[rng.IntN(3)]})
		case 2:
			facts = append(facts, needs.Fact{Kind: needs.Search, Topic: []string{"", "seniorzy"}[rng.IntN(2)]})
		case 3:
			facts = append(facts, needs.UnmatchedQuery("", []string{"remont mieszkania", "opieka nad psem, tel 501 234 567", "dentysta dla dziecka"}[rng.IntN(3)]))
		case 4:
			facts = append(facts, needs.Fact{Kind: needs.Suggested, Value: "uslugi-opiekuncze"})
		case 5:
			facts = append(facts, needs.Fact{Kind: needs.Crisis, Value: "samobojstwo"}, needs.Fact{Kind: needs.Case, Urgency: "urgent"})
		case 6:
			facts = append(facts, needs.Fact{Kind: needs.Claimed, Wait: time.Duration(rng.IntN(4000)) * time.Second})
		case 7:
			facts = append(facts, needs.Fact{Kind: needs.Rating, Value: strconv.Itoa(1 + rng.IntN(5))})
		case 8:
			facts = append(facts, needs.Fact{Kind: needs.Closed, Value: "closed"})
		}
	}
	return facts
}

// TestNeedsCountExactlyUnderConcurrency: 32 goroutines count 250 messages'
// facts each, on both sides of midnight in Warsaw; Redis holds exactly the
// sums of what each message encodes, in the right day.
func TestNeedsCountExactlyUnderConcurrency(t *testing.T) {
	for _, mode := range []struct {
		name  string
		flush time.Duration
	}{{"at-once", 0}, {"batched", 5 * time.Millisecond}} {
		for name, backend := range needsBackends(t) {
			t.Run(mode.name+"/"+name, func(t *testing.T) { testCountExactly(t, backend, mode.flush) })
		}
	}
}

func testCountExactly(t *testing.T, backend func() (redis.Config, *redistest.Server), flush time.Duration) {
	cfg, srv := backend()
	_, n := openNeeds(t, cfg, redis.NeedsConfig{Location: warsaw, FlushEvery: flush})
	// Days near today: older ones would be past their retention at once.
	midnight := today().AddDate(0, 0, 1)
	moments := []time.Time{midnight.Add(-time.Millisecond), midnight, midnight.Add(23*time.Hour + 59*time.Minute)}
	before, after := midnight.AddDate(0, 0, -1).Format(time.DateOnly), midnight.Format(time.DateOnly)
	days := []string{before, after, after}
	const goroutines, messages = 32, 250
	type tally struct{ counters, queries map[string]int64 }
	want := map[string]*tally{}
	for _, d := range days {
		want[d] = &tally{map[string]int64{}, map[string]int64{}}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx := ctxFor(t)
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			for range messages {
				facts := randomFacts(rng)
				i := rng.IntN(len(moments))
				if err := n.Count(ctx, moments[i], "", facts); err != nil {
					t.Errorf("Count: %v", err)
					return
				}
				c, q := needs.Encode(facts)
				mu.Lock()
				for k, v := range c {
					want[days[i]].counters[k] += v
				}
				for k, v := range q {
					want[days[i]].queries[k] += v
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	raw := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer raw.Close()
	for _, d := range []string{before, after} {
		for key, w := range map[string]map[string]int64{"okienko:needs:day:" + d: want[d].counters, "okienko:needs:queries:" + d: want[d].queries} {
			got := map[string]int64{}
			m, err := raw.HGetAll(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				got[k], _ = strconv.ParseInt(v, 10, 64)
			}
			if !maps.Equal(got, w) {
				t.Errorf("%s holds\n%v\nwant\n%v", key, got, w)
			}
			if len(w) == 0 {
				t.Errorf("%s: nothing was counted there; the test proves nothing", key)
			}
		}
		for q := range want[d].queries {
			if strings.Contains(q, "501") {
				t.Errorf("a phone number reached Redis: %q", q)
			}
		}
	}
	back, err := n.Days(ctx, midnight.Add(-time.Hour), midnight)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[0].Date != before || back[1].Date != after {
		t.Fatalf("Days: %d days %v", len(back), back)
	}
	for _, d := range back {
		again := needs.DecodeDay(d.Date, want[d.Date].counters, want[d.Date].queries)
		if fmt.Sprint(d) != fmt.Sprint(again) {
			t.Errorf("Days(%s) = %+v\nwant %+v", d.Date, d, again)
		}
	}
}

// TestNeedsBatchesSurviveARedisOutage: with FlushEvery, counts made while
// Redis is down wait in memory and arrive, exactly once, when it is back.
func TestNeedsBatchesSurviveARedisOutage(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAOF())
	_, n := openNeeds(t, redis.Config{URL: srv.URL()}, redis.NeedsConfig{Location: warsaw, FlushEvery: time.Hour})
	ctx := ctxFor(t)
	at := time.Now()
	count := func(times int) {
		for range times {
			if err := n.Count(ctx, at, "", []needs.Fact{{Kind: needs.Search}, needs.UnmatchedQuery("", "remont dachu")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	count(3)
	if err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	count(4)
	if err := n.Flush(ctx); err == nil {
		t.Fatal("Flush with Redis down reported no error")
	}
	count(5)
	srv.Restart()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	days, err := n.Days(ctx, at, at)
	if err != nil {
		t.Fatal(err)
	}
	if got := days[0].Searches[""]; got != 12 {
		t.Errorf("%d searches counted, want 12", got)
	}
	if got := days[0].Queries["remont dachu"]; got != 12 {
		t.Errorf("query counted %d times, want 12", got)
	}
	// After Close, Count writes at once.
	count(1)
	days, err = n.Days(ctx, at, at)
	if err != nil {
		t.Fatal(err)
	}
	if got := days[0].Searches[""]; got != 13 {
		t.Errorf("after Close: %d searches counted, want 13", got)
	}
}

// TestNeedsExpireAfterTheirRetention: each day's keys expire their
// retention after the day ends (in the Centre's time zone).
func TestNeedsExpireAfterTheirRetention(t *testing.T) {
	srv := redistest.Start(t)
	_, n := openNeeds(t, redis.Config{URL: srv.URL()}, redis.NeedsConfig{Location: warsaw, CounterRetention: 400 * 24 * time.Hour, QueryRetention: 90 * 24 * time.Hour})
	at := time.Now() // expiry times in the past would delete the keys at once
	if err := n.Count(ctxFor(t), at, "", []needs.Fact{{Kind: needs.Search}, needs.UnmatchedQuery("", "remont")}); err != nil {
		t.Fatal(err)
	}
	local := at.In(warsaw)
	date := local.Format(time.DateOnly)
	end := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, warsaw)
	for key, keep := range map[string]time.Duration{
		"okienko:needs:day:" + date:     400 * 24 * time.Hour,
		"okienko:needs:queries:" + date: 90 * 24 * time.Hour,
	} {
		got, err := srv.Do("PEXPIRETIME", key)
		if err != nil {
			t.Fatal(err)
		}
		if want := strconv.FormatInt(end.Add(keep).UnixMilli(), 10); got != want {
			t.Errorf("%s expires at %s, want %s (%v after the day ends)", key, got, want, keep)
		}
	}
}

// sampleSearcher is the bundled sample catalogue, indexed once.
var sampleSearcher = sync.OnceValues(func() (*catbleve.Index, error) {
	c, probs := catalog.Sample()
	th, tprobs := catalog.DefaultThesaurus()
	if c == nil || th == nil {
		return nil, append(probs, tprobs...).Err()
	}
	return catbleve.New(catbleve.Config{Catalog: c, Thesaurus: th})
})

func searcher(t testing.TB) *catbleve.Index {
	t.Helper()
	ix, err := sampleSearcher()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// resident drives one chat through an engine and keeps its events.
type resident struct {
	t      *testing.T
	eng    *bot.Engine
	chat   string
	lang   string
	n      int
	events []bot.Event
}

func (r *resident) send(m bot.Message) []bot.Event {
	r.t.Helper()
	r.n++
	m.Channel, m.ChatID, m.EventID, m.Language = "telegram", r.chat, strconv.Itoa(r.n), r.lang
	events, err := r.eng.Handle(context.Background(), m)
	if err != nil {
		r.t.Errorf("chat %s: %v", r.chat, err)
	}
	r.events = append(r.events, events...)
	return events
}

func (r *resident) say(text string) []bot.Event { return r.send(bot.Message{Text: text}) }
func (r *resident) press(id string) []bot.Event { return r.send(bot.Message{Choice: id}) }

func (r *resident) caseID() string {
	for _, ev := range r.events {
		if ev.Kind == bot.EventHandoff {
			return ev.Handoff.ID
		}
	}
	r.t.Fatalf("chat %s: no case", r.chat)
	return ""
}

// TestEngineTalliesConversations drives 36 residents at once through the
// bundled dialogs with the sample catalogue, a real Redis and real staff
// actions, and checks the day's counters against what the engine's events
// say happened: exactly, with the unmatched queries redacted and nothing
// of a chat in them, also after one resident erased their data.
func TestEngineTalliesConversations(t *testing.T) {
	srv := redistest.Start(t)
	st, n := openNeeds(t, redis.Config{URL: srv.URL()}, redis.NeedsConfig{Location: warsaw})
	var clock atomic.Pointer[time.Time]
	base := today().Add(10 * time.Hour)
	clock.Store(&base)
	var ids atomic.Int64
	eng, err := bot.New(bot.Config{Script: loadScript(t), Store: st, Searcher: searcher(t), Desk: quietDesk{}, Tally: n,
		Clock:  func() time.Time { return *clock.Load() },
		NewID:  func() string { return "case" + strconv.FormatInt(ids.Add(1), 10) },
		Logger: slog.New(slog.DiscardHandler), StoreTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const residents = 36
	people := make([]*resident, residents)
	for i := range people {
		people[i] = &resident{t: t, eng: eng, chat: "7319" + strconv.Itoa(100+i), lang: "pl"}
		if i%3 == 1 {
			people[i].lang = "uk"
		}
	}
	// Phase 1, all at once: three kinds of conversation.
	var wg sync.WaitGroup
	for i, r := range people {
		wg.Go(func() {
			switch i % 3 {
			case 0: // an unmet need with personal details, handed to a person
				r.say("naprawa samochodu po stłuczce, nazywam się Jan Kowalski, tel. 501 234 567")
				r.press("osoba")
				r.press("czat")
				r.press("tak")
			case 1: // a topic from the menu, services shown
				r.say("/start")
				r.press("seniorzy")
				r.press("bliski")
				r.press("opieka_dom")
			case 2: // a crisis
				r.say("nie chcę już żyć")
			}
		})
	}
	wg.Wait()
	// Phase 2: staff take the cases seven minutes later, close them, and
	// the residents rate the help.
	later := base.Add(7 * time.Minute)
	clock.Store(&later)
	for i, r := range people {
		if i%3 != 0 {
			continue
		}
		wg.Go(func() {
			ref := bot.CaseRef{ID: r.caseID(), Key: "telegram:" + r.chat}
			for k, kind := range []bot.StaffKind{bot.StaffClaimed, bot.StaffClosed} {
				if _, err := eng.Staff(context.Background(), bot.StaffEvent{Kind: kind, Case: ref, Name: "Ewa", EventID: r.chat + strconv.Itoa(k)}); err != nil {
					t.Errorf("staff %s: %v", kind, err)
				}
			}
			r.press(strconv.Itoa(1 + i%5))
		})
	}
	wg.Wait()

	// What the events say happened, counted independently of the tally.
	want := needs.NewDay(base.Format(time.DateOnly))
	var queries []string
	for i, r := range people {
		want.Conversations[r.lang]++
		for _, ev := range r.events {
			switch ev.Kind {
			case bot.EventSearch:
				want.Searches[ev.Search.Category]++
				if !ev.Search.Confident || len(ev.Search.Results) == 0 {
					want.Unmatched[ev.Search.Category]++
					queries = append(queries, ev.Search.Query)
					continue
				}
				// The bundled dialog shows the first 3 services found.
				for _, id := range ev.Search.Results[:min(3, len(ev.Search.Results))] {
					want.Suggested[id]++
				}
			case bot.EventCrisis:
				want.Crises[ev.Crisis]++
			case bot.EventHandoff:
				want.Cases[needs.CaseKey{Urgency: string(ev.Handoff.Urgency), Topic: ev.Handoff.Topic}]++
			}
		}
		switch i % 3 {
		case 0:
			want.Claimed++
			want.ClaimSeconds += 7 * 60
			want.ClaimBuckets[2]++ // 5–10 min
			want.Closed["closed"]++
			want.Ratings[strconv.Itoa(1+i%5)]++
		case 1:
			want.Topics["seniorzy"]++
		}
	}
	for _, q := range queries {
		want.Queries[needs.UnmatchedQuery("", q).Value]++
	}
	if len(queries) != residents/3 || want.Crises["samobojstwo"] != residents/3 || len(want.Suggested) == 0 {
		t.Fatalf("the conversations went otherwise than planned: %d unmatched, crises %v, suggested %v", len(queries), want.Crises, want.Suggested)
	}

	check := func(when string) {
		t.Helper()
		days, err := n.Days(ctxFor(t), base, base)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 1 || fmt.Sprint(days[0]) != fmt.Sprint(want) {
			t.Errorf("%s: counted\n%+v\nwant\n%+v", when, days, want)
		}
		for q := range days[0].Queries {
			if strings.Contains(q, "Kowalski") || strings.Contains(q, "501") {
				t.Errorf("%s: a query kept personal data: %q", when, q)
			}
		}
		keys, err := srv.Keys()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, "okienko:needs:") {
				continue
			}
			v, err := srv.Do("HGETALL", k)
			if err != nil {
				t.Fatal(err)
			}
			if chatOrCase.MatchString(k + v) {
				t.Errorf("%s: %s names a chat or a case: %q", when, k, v)
			}
		}
	}
	check("after the conversations")

	// Erasing a chat removes everything of it and leaves the counters.
	gone := people[0]
	if dump := dumpRedis(t, srv); !strings.Contains(dump, gone.chat) {
		t.Fatalf("the chat is nowhere before erasure; the check below would prove nothing:\n%s", dump)
	}
	gone.say("/usun")
	if dump := dumpRedis(t, srv); strings.Contains(dump, gone.chat) {
		t.Errorf("after /usun Redis still holds the chat:\n%s", dump)
	}
	// The counters stay; the resident's own words (the unmatched query,
	// redacted) go with the conversation.
	goneQuery := needs.UnmatchedQuery("", "naprawa samochodu po stłuczce, nazywam się Jan Kowalski, tel. 501 234 567").Value
	if want.Queries[goneQuery] == 0 {
		t.Fatalf("the erased resident's query %q was not among those counted: %v", goneQuery, want.Queries)
	}
	if want.Queries[goneQuery]--; want.Queries[goneQuery] == 0 {
		delete(want.Queries, goneQuery)
	}
	check("after an erasure")

	// Once the day is over and aggregated, the queries are in the day's
	// shared list and linked to no conversation: the report is the same,
	// and no key of a conversation holds them any more.
	if err := n.Aggregate(ctxFor(t), base.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	check("after aggregation")
	keys, err := srv.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, ":needq") {
			t.Errorf("after aggregation a conversation still holds its queries: %s", k)
		}
	}
	if err := n.Aggregate(ctxFor(t), base.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	check("after aggregating twice")
}

// TestErasedQueryNotWrittenLater: a count that reaches Redis after its
// conversation was erased (a batched flush, another replica) keeps none of
// the resident's words, and what waited in this process is dropped by the
// erasure.
func TestErasedQueryNotWrittenLater(t *testing.T) {
	srv := redistest.Start(t)
	st, n := openNeeds(t, redis.Config{URL: srv.URL()}, redis.NeedsConfig{Location: warsaw, FlushEvery: time.Hour})
	ctx := ctxFor(t)
	const chat = "telegram:731999001"
	s := &bot.Session{Key: chat, Step: "start", Started: time.Now()}
	if err := st.Save(ctx, s, "1"); err != nil {
		t.Fatal(err)
	}
	count := func() {
		t.Helper()
		if err := n.Count(ctx, time.Now(), chat, []needs.Fact{{Kind: needs.Search}, needs.UnmatchedQuery("", "remont dachu po wichurze")}); err != nil {
			t.Fatal(err)
		}
	}
	count() // waits in memory
	if err := st.Erase(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	count() // arrives after the erasure: no session, nothing kept
	if err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	dump := dumpRedis(t, srv)
	if strings.Contains(dump, "wichurze") || strings.Contains(dump, "731999001") {
		t.Errorf("after the erasure Redis holds the resident's words or chat:\n%s", dump)
	}
	days, err := n.Days(ctx, time.Now(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := days[0].Searches[""]; got != 2 {
		t.Errorf("%d searches counted, want 2 (counters stay)", got)
	}
}

// chatOrCase finds the test's chat ids and case ids.
var chatOrCase = regexp.MustCompile(`7319\d+|case\d+`)

// TestTallyFailureNeverReachesResidents: with the counters' Redis down or
// hanging, residents are answered as usual and the failure is logged
// without their words.
func TestTallyFailureNeverReachesResidents(t *testing.T) {
	sessions := redistest.Start(t)
	for _, fault := range []string{"killed", "hanging"} {
		t.Run(fault, func(t *testing.T) {
			counters := redistest.Start(t)
			st, err := redis.New(context.Background(), redis.Config{URL: sessions.URL()})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, n := openNeeds(t, redis.Config{URL: counters.URL()}, redis.NeedsConfig{})
			var logs bytes.Buffer
			var mu sync.Mutex
			eng, err := bot.New(bot.Config{Script: loadScript(t), Store: st, Searcher: searcher(t), Tally: n, TallyTimeout: 100 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if fault == "killed" {
				counters.Kill()
			} else {
				counters.Pause()
				defer counters.Resume()
			}
			r := &resident{t: t, eng: eng, chat: "5550" + fault}
			events := r.say("naprawa samochodu po stłuczce, Jan Kowalski")
			if i := slices.IndexFunc(events, func(ev bot.Event) bool { return ev.Kind == bot.EventReply }); i < 0 || !strings.Contains(events[i].Reply.Text, "Nie znaleziono") {
				t.Errorf("no answer with the counters %s: %+v", fault, events)
			}
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(logs.String(), "needs report: facts not counted") {
				t.Errorf("the failure was not logged:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "Kowalski") || strings.Contains(logs.String(), "samochodu") {
				t.Errorf("the log holds the resident's words:\n%s", logs.String())
			}
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// BenchmarkTallyCost measures what counting the needs report adds to a
// resident's message: the same conversations through two engines on one
// real redis-server, one without a Tally and one with, taking turns
// conversation by conversation so that both meet the same load. It
// reports the mean time per message of each (ns/msg-without,
// ns/msg-with) and their ratio (x-without); an op is one message.
func BenchmarkTallyCost(b *testing.B) {
	srv := redistest.Start(b)
	// One conversation of eight messages: an unmatched search, a matched
	// one, a topic from the menu, services shown twice, the end.
	steps := []bot.Message{
		{Text: "naprawa samochodu po stłuczce"}, {Choice: "inaczej"}, {Text: "opiekunka dla mamy po udarze"},
		{Choice: "inne"}, {Choice: "seniorzy"}, {Choice: "bliski"}, {Choice: "opieka_dom"}, {Choice: "tak"},
	}
	st, err := redis.New(context.Background(), redis.Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for _, mode := range []struct {
		name  string
		flush time.Duration
	}{{"at-once", 0}, {"batched", time.Second}} {
		n, err := redis.NewNeeds(st, redis.NeedsConfig{FlushEvery: mode.flush})
		if err != nil {
			b.Fatal(err)
		}
		defer n.Close()
		var engines [2]*bot.Engine // without, with
		for i, tally := range []bot.Tally{nil, n} {
			engines[i], err = bot.New(bot.Config{Script: loadScript(b), Store: st, Searcher: searcher(b), Tally: tally, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
		}
		benchTallyCost(b, mode.name, engines, steps)
	}
}

func benchTallyCost(b *testing.B, mode string, engines [2]*bot.Engine, steps []bot.Message) {
	for _, chats := range []int{1, 32} {
		b.Run(fmt.Sprintf("%s/chats=%d", mode, chats), func(b *testing.B) {
			var chatSeq atomic.Int64
			var spent [2]atomic.Int64
			var handled [2]atomic.Int64
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			work := func(pb interface{ Next() bool }) {
				chat := run + "-" + strconv.FormatInt(chatSeq.Add(1), 10)
				for i := 0; pb.Next(); i++ {
					conv := i / len(steps)
					which := conv % 2
					m := steps[i%len(steps)]
					m.Channel, m.ChatID, m.EventID = "bench", chat+"-"+strconv.Itoa(conv), strconv.Itoa(i)
					start := time.Now()
					if _, err := engines[which].Handle(context.Background(), m); err != nil {
						b.Error(err)
						return
					}
					spent[which].Add(int64(time.Since(start)))
					handled[which].Add(1)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			if chats == 1 {
				work(&counter{n: b.N})
			} else {
				b.SetParallelism((chats + 1) / 2)
				b.RunParallel(func(pb *testing.PB) { work(pb) })
			}
			if handled[0].Load() > 0 && handled[1].Load() > 0 {
				without := float64(spent[0].Load()) / float64(handled[0].Load())
				with := float64(spent[1].Load()) / float64(handled[1].Load())
				b.ReportMetric(without, "ns/msg-without")
				b.ReportMetric(with, "ns/msg-with")
				b.ReportMetric(with/without, "x-without")
			}
		})
	}
}

// counter is a testing.PB for one goroutine.
type counter struct{ n int }

func (c *counter) Next() bool { c.n--; return c.n >= 0 }

// BenchmarkReport90Days reads 90 days of counters (a busy Centre: about
// 60 conversations a day, 300 distinct unmatched queries) from a real
// Redis and renders the HTML report, as `okienko report --since 90d
// --format html` does.
func BenchmarkReport90Days(b *testing.B) {
	srv := redistest.Start(b)
	st, err := redis.New(context.Background(), redis.Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	n, err := redis.NewNeeds(st, redis.NeedsConfig{Location: warsaw})
	if err != nil {
		b.Fatal(err)
	}
	end := today().Add(12 * time.Hour)
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("remont mieszkania pralka dentysta korepetycje psem opieka dializy transport weterynarz kredyt rachunek prąd węgiel opał meble lodówka okulary aparat słuchowy schody winda")
	ctx := context.Background()
	for d := range 90 {
		at := end.AddDate(0, 0, -d)
		for range 60 {
			facts := randomFacts(rng)
			facts = append(facts, needs.UnmatchedQuery("", words[rng.IntN(len(words))]+" "+words[rng.IntN(len(words))]+" "+strconv.Itoa(rng.IntN(15))))
			if err := n.Count(ctx, at, "", facts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		days, err := n.Days(ctx, end.AddDate(0, 0, -89), end)
		if err != nil {
			b.Fatal(err)
		}
		r := needs.Build(days, needs.Options{From: end.AddDate(0, 0, -89), To: end, Stems: catbleve.Stems})
		var out bytes.Buffer
		if err := r.WriteHTML(&out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNeedsCount is one message's counting on its own: a
// conversation started, a search and three services shown, in one round
// trip to a real redis-server.
func BenchmarkNeedsCount(b *testing.B) {
	srv := redistest.Start(b)
	st, err := redis.New(context.Background(), redis.Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	n, err := redis.NewNeeds(st, redis.NeedsConfig{})
	if err != nil {
		b.Fatal(err)
	}
	facts := []needs.Fact{{Kind: needs.Conversation, Value: "pl"}, {Kind: needs.Search}, {Kind: needs.Suggested, Value: "a"},
		{Kind: needs.Suggested, Value: "b"}, {Kind: needs.Suggested, Value: "c"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := n.Count(ctx, time.Now(), "", facts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestQueriesFollowTheirConversation, on a real redis-server and a real
// Cluster (where the pending list and the conversations live in other
// slots): a conversation's unmatched query is read by the report while its
// day runs, erased with the conversation, and after aggregation is in the
// day's shared list with no key of a conversation holding it.
func TestQueriesFollowTheirConversation(t *testing.T) {
	for name, backend := range needsBackends(t) {
		t.Run(name, func(t *testing.T) {
			cfg, srv := backend()
			st, n := openNeeds(t, cfg, redis.NeedsConfig{Location: warsaw, AggregateEvery: -1})
			ctx := ctxFor(t)
			at := time.Now()
			for i, chat := range []string{"telegram:731800001", "telegram:731800002"} {
				if err := st.Save(ctx, &bot.Session{Key: chat, Step: "start", Started: at}, "1"); err != nil {
					t.Fatal(err)
				}
				q := []string{"remont dachu po wichurze", "transport na dializy"}[i]
				if err := n.Count(ctx, at, chat, []needs.Fact{{Kind: needs.Search}, needs.UnmatchedQuery("", q)}); err != nil {
					t.Fatal(err)
				}
			}
			queries := func() map[string]int64 {
				t.Helper()
				days, err := n.Days(ctx, at, at)
				if err != nil {
					t.Fatal(err)
				}
				return days[0].Queries
			}
			if q := queries(); q["remont dachu po wichurze"] != 1 || q["transport na dializy"] != 1 {
				t.Fatalf("queries while the day runs: %v", q)
			}
			if err := st.Erase(ctx, "telegram:731800001"); err != nil {
				t.Fatal(err)
			}
			if q := queries(); len(q) != 1 || q["transport na dializy"] != 1 {
				t.Errorf("queries after erasing the first conversation: %v", q)
			}
			if err := n.Aggregate(ctx, at.AddDate(0, 0, 1)); err != nil {
				t.Fatal(err)
			}
			if q := queries(); len(q) != 1 || q["transport na dializy"] != 1 {
				t.Errorf("queries after aggregation: %v", q)
			}
			keys, err := srv.Keys()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if strings.Contains(k, "needq") || strings.Contains(k, "731800001") {
					t.Errorf("left after erasure and aggregation: %s", k)
				}
			}
			// Once aggregated, erasing the other conversation leaves its
			// query: nothing links it to the conversation any more.
			if err := st.Erase(ctx, "telegram:731800002"); err != nil {
				t.Fatal(err)
			}
			if q := queries(); q["transport na dializy"] != 1 {
				t.Errorf("an aggregated query went with a later erasure: %v", q)
			}
		})
	}
}
