package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Inc("okienko_messages_total", "Messages received.", "channel", "telegram")
		}()
	}
	wg.Wait()
	r.Inc("okienko_messages_total", "Messages received.", "channel", `we"b`)
	r.Observe("okienko_handle_seconds", "Time to handle a message.", 3*time.Millisecond, "channel", "telegram")
	r.Observe("okienko_handle_seconds", "Time to handle a message.", 2*time.Second, "channel", "telegram")
	var b strings.Builder
	r.WriteTo(&b)
	out := b.String()
	for _, want := range []string{
		"# TYPE okienko_messages_total counter\n",
		`okienko_messages_total{channel="telegram"} 100` + "\n",
		`okienko_messages_total{channel="we\"b"} 1` + "\n",
		"# TYPE okienko_handle_seconds histogram\n",
		`okienko_handle_seconds_bucket{channel="telegram",le="0.0025"} 0` + "\n",
		`okienko_handle_seconds_bucket{channel="telegram",le="0.005"} 1` + "\n",
		`okienko_handle_seconds_bucket{channel="telegram",le="+Inf"} 2` + "\n",
		`okienko_handle_seconds_count{channel="telegram"} 2` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q:\n%s", want, out)
		}
	}
	var nilRegistry *Registry
	nilRegistry.Inc("x", "y") // a nil registry ignores everything
}

// BenchmarkInc is the cost of counting one message the way the engine
// does (a counter with one label, and a latency histogram).
func BenchmarkInc(b *testing.B) {
	r := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Inc("okienko_messages_in_total", "Resident messages received.", "channel", "telegram")
			r.Observe("okienko_handle_seconds", "Time to handle one resident message.", 3*time.Millisecond, "channel", "telegram")
		}
	})
}

// TestRuntimeGaugesAndHandles checks what the client library adds: the Go
// runtime and process metrics, gauges read at scrape time, pre-resolved
// series, and calls with the wrong label names ignored, not panicking.
func TestRuntimeGaugesAndHandles(t *testing.T) {
	r := New()
	backlog := 3.0
	if !r.GaugeFunc("okienko_slack_outbox_backlog", "Entries waiting.", func() float64 { return backlog }) {
		t.Fatal("GaugeFunc refused a new name")
	}
	if r.GaugeFunc("okienko_slack_outbox_backlog", "Again.", func() float64 { return 0 }) {
		t.Error("GaugeFunc took a name twice")
	}
	r.GaugeVecFunc("okienko_cases_open", "Open cases.", "status", func() map[string]float64 {
		return map[string]float64{"waiting": 2}
	})
	sent := r.Counter("okienko_sent_total", "Sent.", "channel", "web")
	sent.Inc()
	sent.Add(2)
	sent.Add(-5) // ignored: counters only grow
	r.Histogram("okienko_wait_seconds", "Wait.", nil).Observe(time.Second)
	r.Inc("okienko_sent_total", "Sent.", "other", "x") // wrong label name: ignored
	r.Inc("okienko_sent_total", "Sent.")               // no labels: ignored
	backlog = 5
	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"okienko_slack_outbox_backlog 5\n",
		`okienko_cases_open{status="waiting"} 2` + "\n",
		`okienko_sent_total{channel="web"} 3` + "\n",
		"okienko_wait_seconds_count 1\n",
		"# TYPE go_goroutines gauge\n",
		"# TYPE go_memstats_heap_alloc_bytes gauge\n",
		"process_cpu_seconds_total ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	if strings.Contains(out, `other="x"`) {
		t.Error("a call with other label names made a series")
	}
	var zero Counter
	zero.Inc() // the zero handle counts nothing
	var nilRegistry *Registry
	nilRegistry.Counter("x", "y").Inc()
	nilRegistry.Histogram("x", "y", nil).Observe(time.Second)
}

func TestHandlerServesTheTextFormat(t *testing.T) {
	r := New()
	r.Inc("okienko_messages_in_total", "Resident messages received.", "channel", "web")
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") ||
		!strings.Contains(rec.Body.String(), `okienko_messages_in_total{channel="web"} 1`) {
		t.Errorf("%d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}
