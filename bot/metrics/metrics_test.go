package metrics

import (
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
