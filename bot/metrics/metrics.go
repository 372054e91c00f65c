// Package metrics counts what the bot does — messages, latency, searches,
// crises, cases, store errors — and writes the counts in the Prometheus
// text format for an operator's /metrics endpoint. It is small on purpose:
// a handful of counters and histograms need no client library.
package metrics

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Registry holds the bot's metrics. The zero value is not usable; use New.
// A nil *Registry ignores everything, so callers need no checks.
type Registry struct {
	mu         sync.Mutex
	counters   map[string]*counter
	histograms map[string]*histogram
}

type counter struct {
	help   string
	values map[string]float64 // by rendered label set
}

type histogram struct {
	help    string
	bounds  []float64 // seconds
	buckets map[string][]uint64
	sums    map[string]float64
	counts  map[string]uint64
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{counters: map[string]*counter{}, histograms: map[string]*histogram{}}
}

// Labels are metric labels as name, value pairs.
type Labels []string

func (l Labels) render() string {
	if len(l) == 0 {
		return ""
	}
	var parts []string
	for i := 0; i+1 < len(l); i += 2 {
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(l[i+1])
		parts = append(parts, fmt.Sprintf(`%s="%s"`, l[i], v))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Add increases a counter.
func (r *Registry) Add(name, help string, delta float64, labels ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.counters[name]
	if c == nil {
		c = &counter{help: help, values: map[string]float64{}}
		r.counters[name] = c
	}
	c.values[Labels(labels).render()] += delta
}

// Inc increases a counter by one.
func (r *Registry) Inc(name, help string, labels ...string) { r.Add(name, help, 1, labels...) }

// DefaultBounds are latency buckets from 1 ms to 10 s.
var DefaultBounds = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Observe records a duration in a histogram with DefaultBounds.
func (r *Registry) Observe(name, help string, d time.Duration, labels ...string) {
	r.ObserveWith(name, help, DefaultBounds, d.Seconds(), labels...)
}

// ObserveWith records a value in a histogram with the given upper bounds.
func (r *Registry) ObserveWith(name, help string, bounds []float64, v float64, labels ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.histograms[name]
	if h == nil {
		h = &histogram{help: help, bounds: bounds, buckets: map[string][]uint64{}, sums: map[string]float64{}, counts: map[string]uint64{}}
		r.histograms[name] = h
	}
	key := Labels(labels).render()
	b := h.buckets[key]
	if b == nil {
		b = make([]uint64, len(h.bounds))
		h.buckets[key] = b
	}
	for i, ub := range h.bounds {
		if v <= ub {
			b[i]++
		}
	}
	h.sums[key] += v
	h.counts[key]++
}

// WriteTo writes every metric in the Prometheus text exposition format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	if r == nil {
		return 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, name := range sortedKeys(r.counters) {
		c := r.counters[name]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n", name, c.help, name)
		for _, l := range sortedKeys(c.values) {
			fmt.Fprintf(&b, "%s%s %s\n", name, l, num(c.values[l]))
		}
	}
	for _, name := range sortedKeys(r.histograms) {
		h := r.histograms[name]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s histogram\n", name, h.help, name)
		for _, l := range sortedKeys(h.counts) {
			inner := strings.TrimSuffix(strings.TrimPrefix(l, "{"), "}")
			sep := ""
			if inner != "" {
				sep = ","
			}
			for i, ub := range h.bounds {
				fmt.Fprintf(&b, "%s_bucket{%s%sle=\"%s\"} %d\n", name, inner, sep, num(ub), h.buckets[l][i])
			}
			fmt.Fprintf(&b, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, inner, sep, h.counts[l])
			fmt.Fprintf(&b, "%s_sum%s %s\n%s_count%s %d\n", name, l, num(h.sums[l]), name, l, h.counts[l])
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
