// Package metrics counts what the bot does — messages, latency, searches,
// crises, cases, store errors — and what operators watch — queues and open
// streams — for an operator's /metrics endpoint, with the Go runtime's and
// the process's standard metrics (go_*, process_*) beside them.
//
// It is a thin layer over the Prometheus client library
// (github.com/prometheus/client_golang): the engine and the adapters count
// by metric name with Inc, Add and Observe, and a nil *Registry counts
// nothing, so they need no Prometheus types and no checks. Hot paths can
// hold a pre-resolved Counter or Histogram instead.
package metrics

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// Registry holds the bot's metrics. The zero value is not usable; use New.
// A nil *Registry ignores everything, so callers need no checks.
//
// A metric is created at its first use, with that call's help text, label
// names and (for histograms) bounds; later calls with other label names
// are ignored rather than panicking in the message path.
type Registry struct {
	reg *prometheus.Registry

	mu         sync.RWMutex
	counters   map[string]*vec[*prometheus.CounterVec]
	histograms map[string]*vec[*prometheus.HistogramVec]
	// children caches the resolved series of calls with up to two label
	// pairs, so that counting allocates nothing once a series exists.
	children map[childKey]any
}

type vec[V any] struct {
	v      V
	labels []string // label names
}

// childKey names one series: the metric and up to two label pairs.
type childKey struct {
	kind byte // 'c' counter, 'h' histogram
	name string
	l    [4]string
}

// New returns a registry with the Go runtime and process collectors.
func New() *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Registry{
		reg:        reg,
		counters:   map[string]*vec[*prometheus.CounterVec]{},
		histograms: map[string]*vec[*prometheus.HistogramVec]{},
		children:   map[childKey]any{},
	}
}

// Labels are metric labels as name, value pairs.
type Labels []string

// names and values split name, value pairs.
func (l Labels) split() (names, values []string) {
	for i := 0; i+1 < len(l); i += 2 {
		names = append(names, l[i])
		values = append(values, l[i+1])
	}
	return names, values
}

func keyOf(kind byte, name string, labels []string) (childKey, bool) {
	k := childKey{kind: kind, name: name}
	if len(labels) > len(k.l) || len(labels)%2 != 0 {
		return k, false
	}
	copy(k.l[:], labels)
	return k, true
}

func sameNames(want []string, labels []string) bool {
	if len(want)*2 != len(labels) {
		return false
	}
	for i, n := range want {
		if labels[2*i] != n {
			return false
		}
	}
	return true
}

// counter returns the series of a counter, creating it on first use; nil
// when the call's label names do not match the metric's.
func (r *Registry) counter(name, help string, labels []string) prometheus.Counter {
	key, cacheable := keyOf('c', name, labels)
	if cacheable {
		r.mu.RLock()
		c, ok := r.children[key]
		r.mu.RUnlock()
		if ok {
			return c.(prometheus.Counter)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.counters[name]
	if v == nil {
		names, _ := Labels(labels).split()
		cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, names)
		if r.reg.Register(cv) != nil {
			return nil // the name is taken by another kind of metric
		}
		v = &vec[*prometheus.CounterVec]{v: cv, labels: names}
		r.counters[name] = v
	}
	if !sameNames(v.labels, labels) {
		return nil
	}
	_, values := Labels(labels).split()
	c, err := v.v.GetMetricWithLabelValues(values...)
	if err != nil {
		return nil
	}
	if cacheable {
		r.children[key] = c
	}
	return c
}

// histogram is counter's twin for histograms.
func (r *Registry) histogram(name, help string, bounds []float64, labels []string) prometheus.Observer {
	key, cacheable := keyOf('h', name, labels)
	if cacheable {
		r.mu.RLock()
		h, ok := r.children[key]
		r.mu.RUnlock()
		if ok {
			return h.(prometheus.Observer)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.histograms[name]
	if v == nil {
		names, _ := Labels(labels).split()
		hv := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: bounds}, names)
		if r.reg.Register(hv) != nil {
			return nil
		}
		v = &vec[*prometheus.HistogramVec]{v: hv, labels: names}
		r.histograms[name] = v
	}
	if !sameNames(v.labels, labels) {
		return nil
	}
	_, values := Labels(labels).split()
	h, err := v.v.GetMetricWithLabelValues(values...)
	if err != nil {
		return nil
	}
	if cacheable {
		r.children[key] = h
	}
	return h
}

// Add increases a counter.
func (r *Registry) Add(name, help string, delta float64, labels ...string) {
	if r == nil || delta < 0 {
		return
	}
	if c := r.counter(name, help, labels); c != nil {
		c.Add(delta)
	}
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
	if h := r.histogram(name, help, bounds, labels); h != nil {
		h.Observe(v)
	}
}

// Counter is one series of a counter, resolved once: for hot paths that
// count the same thing on every call. The zero Counter counts nothing.
type Counter struct{ c prometheus.Counter }

// Counter returns the series of the counter name with the given label
// pairs, creating it (so it shows as 0 before its first count).
func (r *Registry) Counter(name, help string, labels ...string) Counter {
	if r == nil {
		return Counter{}
	}
	return Counter{r.counter(name, help, labels)}
}

// Inc adds one.
func (c Counter) Inc() {
	if c.c != nil {
		c.c.Inc()
	}
}

// Add adds delta (ignored when negative: counters only grow).
func (c Counter) Add(delta float64) {
	if c.c != nil && delta >= 0 {
		c.c.Add(delta)
	}
}

// Histogram is one series of a histogram, resolved once. The zero
// Histogram records nothing.
type Histogram struct{ h prometheus.Observer }

// Histogram returns the series of the histogram name with the given
// bounds (nil: DefaultBounds) and label pairs.
func (r *Registry) Histogram(name, help string, bounds []float64, labels ...string) Histogram {
	if r == nil {
		return Histogram{}
	}
	if bounds == nil {
		bounds = DefaultBounds
	}
	return Histogram{r.histogram(name, help, bounds, labels)}
}

// Observe records a duration in seconds.
func (h Histogram) Observe(d time.Duration) { h.ObserveValue(d.Seconds()) }

// ObserveValue records a value.
func (h Histogram) ObserveValue(v float64) {
	if h.h != nil {
		h.h.Observe(v)
	}
}

// GaugeFunc registers a gauge whose value value reports at each scrape:
// how operators see a queue or a number of open things without the owner
// knowing about metrics. value must be safe for concurrent use and quick
// (a scrape waits for it). It reports false when the name is taken.
func (r *Registry) GaugeFunc(name, help string, value func() float64) bool {
	if r == nil {
		return false
	}
	return r.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, value)) == nil
}

// GaugeVecFunc registers a gauge with one label whose values values
// reports at each scrape, by label value (e.g. open cases by status). A
// label value missing from one scrape's map is simply not exported then.
func (r *Registry) GaugeVecFunc(name, help, label string, values func() map[string]float64) bool {
	if r == nil {
		return false
	}
	return r.reg.Register(&gaugeVecFunc{desc: prometheus.NewDesc(name, help, []string{label}, nil), values: values}) == nil
}

type gaugeVecFunc struct {
	desc   *prometheus.Desc
	values func() map[string]float64
}

func (g *gaugeVecFunc) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *gaugeVecFunc) Collect(ch chan<- prometheus.Metric) {
	for lv, v := range g.values() {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, lv)
	}
}

// Handler serves the metrics over HTTP (the Prometheus text format, or
// what the scraper asks for).
func (r *Registry) Handler() http.Handler {
	if r == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

// WriteTo writes every metric in the Prometheus text exposition format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	if r == nil {
		return 0, nil
	}
	families, err := r.reg.Gather()
	if err != nil {
		return 0, err
	}
	cw := &countingWriter{w: w}
	enc := expfmt.NewEncoder(cw, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return cw.n, err
		}
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
