package needs_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"okienko/bot/needs"
	catbleve "okienko/catalog/bleve"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// sampleEnd is the last day of the sample period.
var sampleEnd = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// sampleQueries are unmatched queries as residents type them, some with
// details that redaction must remove, weighted by how often they come.
var sampleQueries = []struct {
	text  string
	topic string
	often int
}{
	{"remont mieszkania po zalaniu", "mieszkanie", 6},
	{"mieszkanie dla matki z dzieckiem", "mieszkanie", 5},
	{"szukam mieszkania chronionego", "", 4},
	{"pomoc w remoncie mieszkaniem sie zajmuje spółdzielnia?", "", 2},
	{"nazywam się Jan Kowalski, potrzebuję mieszkania, tel 501 234 567", "", 1},
	{"opieka nad psem podczas pobytu w szpitalu", "", 4},
	{"opieka nad psem", "", 3},
	{"weterynarz za darmo dla psa", "", 2},
	{"dentysta dla dziecka bez kolejki", "rodzina", 3},
	{"dentysta na NFZ", "", 2},
	{"korepetycje z matematyki dla syna", "rodzina", 3},
	{"korepetycje dla dziecka", "rodzina", 2},
	{"transport na dializy", "niepelnosprawnosc", 4},
	{"transport do szpitala na dializy 3 razy w tygodniu", "", 2},
	{"zepsuta pralka a mam 3 dzieci", "pieniadze", 2},
	{"pralki", "pieniadze", 1},
	{"rachunek za prąd 1200 zł nie mam z czego zapłacić", "pieniadze", 2},
	{"Мені потрібне житло", "", 2},
	{"житло для родини з дітьми", "", 1},
	{"kurs prawa jazdy dla bezrobotnych", "praca", 1},
}

// sampleDays makes n days of counts ending on sampleEnd, as a mid-sized
// Centre's could look, the same for the same seed. It goes through needs.Encode
// and needs.DecodeDay as a store would.
func sampleDays(n int, seed uint64) []needs.Day {
	rng := rand.New(rand.NewPCG(seed, 7))
	topics := []string{"seniorzy", "niepelnosprawnosc", "rodzina", "kryzys", "uzaleznienia", "mieszkanie", "pieniadze", "prawo", "praca", "cudzoziemcy", "inne"}
	weights := []int{9, 5, 6, 2, 3, 6, 7, 3, 2, 2, 1}
	services := []string{"uslugi-opiekuncze", "dzienny-dom-senior", "teleopieka", "asystent-rodziny", "poradnia-psychologiczna",
		"dodatek-mieszkaniowy", "zasilek-celowy", "nieodplatna-pomoc-prawna", "klub-integracji", "punkt-dla-cudzoziemcow", "noclegownia"}
	pick := func(ws []int) int {
		sum := 0
		for _, w := range ws {
			sum += w
		}
		x := rng.IntN(sum)
		for i, w := range ws {
			if x < w {
				return i
			}
			x -= w
		}
		return len(ws) - 1
	}
	var qw []int
	for _, q := range sampleQueries {
		qw = append(qw, q.often)
	}
	var days []needs.Day
	for i := n - 1; i >= 0; i-- {
		date := sampleEnd.AddDate(0, 0, -i)
		weekend := date.Weekday() == time.Saturday || date.Weekday() == time.Sunday
		conversations := 18 + rng.IntN(14) + (n-i)/6
		if weekend {
			conversations /= 2
		}
		var facts []needs.Fact
		for c := 0; c < conversations; c++ {
			lang := "pl"
			switch x := rng.IntN(100); {
			case x < 14:
				lang = "uk"
			case x < 18:
				lang = "en"
			}
			facts = append(facts, needs.Fact{Kind: needs.Conversation, Value: lang})
			if rng.IntN(40) == 0 {
				facts = append(facts, needs.Fact{Kind: needs.Language, Value: "uk"})
			}
			topic := ""
			if rng.IntN(3) > 0 {
				topic = topics[pick(weights)]
				facts = append(facts, needs.Fact{Kind: needs.Topic, Topic: topic})
			}
			facts = append(facts, needs.Fact{Kind: needs.Search, Topic: topic})
			if rng.IntN(100) < 17 {
				q := sampleQueries[pick(qw)]
				facts = append(facts, needs.UnmatchedQuery(q.topic, q.text))
			} else {
				for k := 0; k < 1+rng.IntN(3); k++ {
					facts = append(facts, needs.Fact{Kind: needs.Suggested, Value: services[min(rng.IntN(len(services)), rng.IntN(len(services)))]})
				}
			}
			if rng.IntN(60) == 0 {
				facts = append(facts, needs.Fact{Kind: needs.Crisis, Value: []string{"samobojstwo", "przemoc_teraz"}[rng.IntN(2)]})
				facts = append(facts, needs.Fact{Kind: needs.Case, Topic: topic, Urgency: "urgent"})
			}
			if rng.IntN(6) == 0 {
				facts = append(facts, needs.Fact{Kind: needs.Case, Topic: topic, Urgency: "normal"})
				wait := time.Duration(30+rng.IntN(900)) * time.Second
				if weekend || rng.IntN(5) == 0 {
					wait = time.Duration(1+rng.IntN(20)) * time.Hour
				}
				facts = append(facts, needs.Fact{Kind: needs.Claimed, Wait: wait}, needs.Fact{Kind: needs.Closed, Value: "closed"})
				if rng.IntN(2) == 0 {
					facts = append(facts, needs.Fact{Kind: needs.Rating, Value: []string{"5", "5", "4", "5", "3", "4", "2", "5", "1"}[rng.IntN(9)]})
				}
			}
		}
		counters, queries := needs.Encode(facts)
		days = append(days, needs.DecodeDay(date.Format(time.DateOnly), counters, queries))
	}
	return days
}

var sampleServiceNames = map[string]string{
	"uslugi-opiekuncze": "Usługi opiekuńcze w miejscu zamieszkania", "dzienny-dom-senior": "Dzienny Dom Senior+",
	"teleopieka": "Teleopieka — opaska SOS", "asystent-rodziny": "Asystent rodziny",
	"poradnia-psychologiczna": "Poradnictwo psychologiczne", "dodatek-mieszkaniowy": "Dodatek mieszkaniowy",
	"zasilek-celowy": "Zasiłek celowy", "nieodplatna-pomoc-prawna": "Nieodpłatna pomoc prawna",
	"klub-integracji": "Klub Integracji Społecznej", "punkt-dla-cudzoziemcow": "Punkt informacyjny dla cudzoziemców",
	"noclegownia": "Noclegownia", "wypozyczalnia-sprzetu": "Wypożyczalnia sprzętu rehabilitacyjnego",
	"mediacje-rodzinne": "Mediacje rodzinne",
}

var sampleTopicLabels = map[string]string{
	"seniorzy": "Senior i opieka", "niepelnosprawnosc": "Niepełnosprawność", "rodzina": "Rodzina i dzieci",
	"kryzys": "Kryzys i przemoc", "uzaleznienia": "Uzależnienia", "mieszkanie": "Mieszkanie i bezdomność",
	"pieniadze": "Pieniądze i świadczenia", "prawo": "Porada prawna i długi", "praca": "Praca",
	"cudzoziemcy": "Cudzoziemcy", "inne": "Coś innego",
}

// sampleReport is the report of 30 sample days.
func sampleReport(t testing.TB) *needs.Report {
	t.Helper()
	return needs.Build(sampleDays(30, 1), needs.Options{
		From: sampleEnd.AddDate(0, 0, -29), To: sampleEnd, Generated: time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC),
		Title: "Centrum Usług Społecznych (przykład)", TopicLabels: sampleTopicLabels,
		CrisisLabels: map[string]string{"samobojstwo": "myśli samobójcze", "przemoc_teraz": "przemoc teraz"},
		ServiceNames: sampleServiceNames, Stems: catbleve.Stems,
	})
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/needs -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got %q\nwant %q\n(after an intended change: go test ./bot/needs -update, then review the diff)", name, i+1, g, w)
			}
		}
	}
}

func TestRenderingsMatchGoldenFiles(t *testing.T) {
	r := sampleReport(t)
	for _, f := range needs.Formats {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := r.Render(&b, f); err != nil {
				t.Fatal(err)
			}
			ext := map[needs.Format]string{needs.Markdown: "md", needs.CSV: "csv", needs.JSON: "json", needs.HTML: "html"}[f]
			golden(t, "report."+ext+".golden", b.Bytes())
		})
	}
}

func TestSlackSummaryMatchesGoldenFile(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(t).WriteSlackSummary(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.slack.golden", b.Bytes())
	r := needs.Build([]needs.Day{needs.DecodeDay("2026-11-25", map[string]int64{"search:": 1, "unmatched:": 1}, map[string]int64{"<!channel> & mieszkanie": 1})},
		needs.Options{From: sampleEnd, To: sampleEnd})
	b.Reset()
	if err := r.WriteSlackSummary(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<!channel>") || !strings.Contains(b.String(), "&lt;!channel&gt; &amp; mieszkanie") {
		t.Errorf("a query's markup reached Slack:\n%s", b.String())
	}
}

// TestReportFigures checks the report's arithmetic against the facts the
// sample was made of, counted independently.
func TestReportFigures(t *testing.T) {
	days := sampleDays(30, 1)
	var conv, searches, unmatched, cases, urgent, claimed int64
	for _, d := range days {
		conv += sum(d.Conversations)
		searches += sum(d.Searches)
		unmatched += sum(d.Unmatched)
		for k, n := range d.Cases {
			cases += n
			if k.Urgency == "urgent" {
				urgent += n
			}
		}
		claimed += d.Claimed
	}
	r := sampleReport(t)
	got := r.Totals
	if got.Conversations != conv || got.Searches != searches || got.Unmatched != unmatched || got.Cases != cases || got.UrgentCases != urgent || got.Claimed != claimed {
		t.Errorf("totals %+v, want conversations %d searches %d unmatched %d cases %d urgent %d claimed %d", got, conv, searches, unmatched, cases, urgent, claimed)
	}
	var trendConv int64
	for _, p := range r.Trend {
		trendConv += p.Conversations
	}
	if trendConv != conv || len(r.Trend) != 30 || r.Period != "day" {
		t.Errorf("trend: %d periods of %q summing to %d conversations, want 30 days summing to %d", len(r.Trend), r.Period, trendConv, conv)
	}
	var langs int64
	for _, it := range r.Languages {
		langs += it.Count
		if it.First+it.Second != it.Count {
			t.Errorf("language %s: halves %d+%d != %d", it.Key, it.First, it.Second, it.Count)
		}
	}
	if langs != conv {
		t.Errorf("languages sum to %d, want %d", langs, conv)
	}
	var queries int64
	for _, q := range r.UnmatchedQueries {
		queries += q.Count
		if strings.Contains(q.Text, "Kowalski") || strings.Contains(q.Text, "501") {
			t.Errorf("an unmatched query kept personal data: %q", q.Text)
		}
	}
	if queries != unmatched {
		t.Errorf("unmatched queries sum to %d, want the %d unmatched searches", queries, unmatched)
	}
	var buckets int64
	for _, b := range r.Claim.Buckets {
		buckets += b.Count
	}
	if buckets != claimed {
		t.Errorf("time-to-claim buckets hold %d cases, want %d", buckets, claimed)
	}
	never := map[string]bool{}
	for _, it := range r.ServicesNever {
		never[it.Key] = true
	}
	if !never["wypozyczalnia-sprzetu"] || !never["mediacje-rodzinne"] || never["uslugi-opiekuncze"] {
		t.Errorf("services never suggested: %v", never)
	}

	long := needs.Build(sampleDays(90, 2), needs.Options{From: sampleEnd.AddDate(0, 0, -89), To: sampleEnd})
	if long.Period != "week" || len(long.Trend) < 13 || len(long.Trend) > 14 {
		t.Errorf("90 days: %d periods of %q, want 13–14 weeks", len(long.Trend), long.Period)
	}
	if long.Trend[1].Label[:5] != long.Trend[1].Start[8:10]+"."+long.Trend[1].Start[5:7] {
		t.Errorf("week label %q does not start with its first day %s", long.Trend[1].Label, long.Trend[1].Start)
	}
	if d, _ := time.Parse(time.DateOnly, long.Trend[1].Start); d.Weekday() != time.Monday {
		t.Errorf("weeks start on %v, want Monday", d.Weekday())
	}
}

// TestTrendComparesEqualHalves: the trend compares halves of equal length;
// one day has no trend, and the middle day of three is in neither half.
func TestTrendComparesEqualHalves(t *testing.T) {
	day := func(date string, n int64) needs.Day {
		return needs.DecodeDay(date, map[string]int64{"topic:seniorzy": n}, nil)
	}
	one := needs.Build([]needs.Day{day("2026-11-25", 4)}, needs.Options{From: sampleEnd, To: sampleEnd})
	if it := one.Topics[0]; it.First != 0 || it.Second != 0 {
		t.Errorf("one day: halves %d and %d, want no trend", it.First, it.Second)
	}
	three := needs.Build([]needs.Day{day("2026-11-23", 1), day("2026-11-24", 10), day("2026-11-25", 2)},
		needs.Options{From: sampleEnd.AddDate(0, 0, -2), To: sampleEnd})
	if it := three.Topics[0]; it.Count != 13 || it.First != 1 || it.Second != 2 {
		t.Errorf("three days: %d in all, halves %d and %d; want 13, 1 and 2", it.Count, it.First, it.Second)
	}
}

func TestClaimMedianAndP90(t *testing.T) {
	var facts []needs.Fact
	for _, secs := range []int{30, 45, 200, 250, 400, 500, 700, 1000, 5000, 90000} {
		facts = append(facts, needs.Fact{Kind: needs.Claimed, Wait: time.Duration(secs) * time.Second})
	}
	c, q := needs.Encode(facts)
	r := needs.Build([]needs.Day{needs.DecodeDay("2026-11-25", c, q)}, needs.Options{From: sampleEnd, To: sampleEnd})
	if r.Claim.Median.Label != "5–10 min" {
		t.Errorf("median %q, want 5–10 min (4 of 10 within 5 minutes, 6 within 10)", r.Claim.Median.Label)
	}
	if r.Claim.P90.Label != "1–2 h" {
		t.Errorf("p90 %q, want 1–2 h (9 of 10 within 2 hours)", r.Claim.P90.Label)
	}
	if want := float64(30+45+200+250+400+500+700+1000+5000+90000) / 10; r.Claim.MeanSeconds != want {
		t.Errorf("mean %v s, want %v", r.Claim.MeanSeconds, want)
	}
}

func TestJSONAndCSVAreWellFormed(t *testing.T) {
	r := sampleReport(t)
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back needs.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("the JSON does not read back: %v", err)
	}
	if back.Totals != r.Totals || len(back.Unmet) != len(r.Unmet) {
		t.Errorf("JSON round trip lost figures: %+v vs %+v", back.Totals, r.Totals)
	}
	b.Reset()
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	for i, row := range rows {
		if len(row) != 7 {
			t.Fatalf("row %d has %d columns, want 7: %q", i+1, len(row), row)
		}
	}
	empty := needs.Build(nil, needs.Options{From: sampleEnd, To: sampleEnd})
	b.Reset()
	if err := empty.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "null") {
		t.Errorf("an empty report has null lists:\n%s", b.String())
	}
	for _, f := range needs.Formats {
		if err := empty.Render(&bytes.Buffer{}, f); err != nil {
			t.Errorf("empty report as %s: %v", f, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]needs.Format{"markdown": needs.Markdown, "MD": needs.Markdown, " csv ": needs.CSV, "json": needs.JSON, "html": needs.HTML} {
		if got, err := needs.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := needs.ParseFormat("pdf"); err == nil {
		t.Error("ParseFormat(pdf) accepted")
	}
}

func sum(c needs.Counts) int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// BenchmarkReport90Days builds the report of 90 sample days and renders
// it in every format (reading from Redis is measured in bot/redis).
func BenchmarkReport90Days(b *testing.B) {
	days := sampleDays(90, 3)
	opt := needs.Options{From: sampleEnd.AddDate(0, 0, -89), To: sampleEnd, Stems: catbleve.Stems, ServiceNames: sampleServiceNames, TopicLabels: sampleTopicLabels}
	b.ReportAllocs()
	for b.Loop() {
		r := needs.Build(days, opt)
		for _, f := range needs.Formats {
			if err := r.Render(io.Discard, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestCSVNeutralisesFormulas: whatever a resident typed, no cell of the
// CSV export starts with what a spreadsheet runs as a formula.
func TestCSVNeutralisesFormulas(t *testing.T) {
	dangerous := []string{`=HYPERLINK("http://evil.example/x","kliknij")`, "+48 cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tszukam", "\r=1+1", "=1+1 pomocy"}
	var facts []needs.Fact
	for _, q := range dangerous {
		facts = append(facts, needs.Fact{Kind: needs.Search, Topic: "=topic"}, needs.Fact{Kind: needs.Unmatched, Topic: "=topic", Value: q})
	}
	counters, queries := needs.Encode(facts)
	day := needs.DecodeDay(sampleEnd.Format(time.DateOnly), counters, queries)
	r := needs.Build([]needs.Day{day}, needs.Options{From: sampleEnd, To: sampleEnd, TopicLabels: map[string]string{"=topic": "@etykieta"}, Stems: catbleve.Stems})
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	found := 0
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula (row %q)", cell, row)
			}
			for _, q := range dangerous {
				if cell == "'"+q {
					found++
				}
			}
		}
	}
	if found == 0 {
		t.Errorf("no neutralised query found in the CSV:\n%s", b.String())
	}
}
