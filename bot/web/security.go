package web

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"okienko/bot"
)

// secureRequest reports whether the resident reached the server over TLS:
// directly, or through a proxy that terminated it and said so. A client
// that claims https over plain HTTP only gets a cookie its browser will
// not send back.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// contentSecurityPolicy is the policy of the page: everything from its own
// origin only, no inline scripts or styles, framed only by the page's own
// origin and the allowed ones.
func contentSecurityPolicy(allowed []string, origins map[string]bool) string {
	ancestors := "'self'"
	for _, o := range allowed {
		if norm, err := normalizeOrigin(o); err == nil && origins[norm] {
			ancestors += " " + norm
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
		"frame-ancestors " + ancestors
}

// apiPolicy is the policy of API answers: nothing may run or frame them.
const apiPolicy = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries.
func securityHeaders(w http.ResponseWriter, csp string) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer browsers send "Origin: null"
	// on the page's own POSTs, and the Origin check needs the real one.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
}

// originAllowed reports whether a state-changing request comes from the
// chat's own pages (or an allowed site): its Origin (or, without one, its
// Referer) must name the host the request was sent to. A request with
// neither (not a browser) passes here and still needs the CSRF token.
func (c *Chat) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		ref := r.Header.Get("Referer")
		if ref == "" {
			return true
		}
		u, err := url.Parse(ref)
		if err != nil || u.Host == "" {
			return false
		}
		origin = u.Scheme + "://" + u.Host
	}
	norm, err := normalizeOrigin(origin)
	if err != nil {
		return false // "null" (sandboxed frames, file:) and junk
	}
	if c.origins[norm] || norm == c.publicOrigin {
		return true
	}
	_, host, _ := strings.Cut(norm, "://")
	return strings.EqualFold(host, c.requestHost(r))
}

// requestHost is the host the resident's browser addressed: Host, or the
// proxy's X-Forwarded-Host behind a trusted proxy.
func (c *Chat) requestHost(r *http.Request) string {
	if c.cfg.ProxyHops > 0 {
		if fh := strings.TrimSpace(lastOf(r.Header.Values("X-Forwarded-Host"))); fh != "" {
			return fh
		}
	}
	return r.Host
}

// lastOf returns the last comma-separated entry of the header's values.
func lastOf(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// clientKey identifies the client for rate limits: its IP address (the
// peer's, or the one ProxyHops entries from the right of X-Forwarded-For),
// IPv6 addresses by their /64, where one household usually sits.
func (c *Chat) clientKey(r *http.Request) string {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if c.cfg.ProxyHops == 0 && len(r.Header.Values("X-Forwarded-For")) > 0 {
		c.warnIfProxy(addr)
	}
	if n := c.cfg.ProxyHops; n > 0 {
		var hops []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, p := range strings.Split(v, ",") {
				hops = append(hops, strings.TrimSpace(p))
			}
		}
		if len(hops) >= n {
			if ip, err := netip.ParseAddr(hops[len(hops)-n]); err == nil {
				addr = ip.String()
			}
		}
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// warnIfProxy logs once that X-Forwarded-For came from peer, a loopback
// or private address, while ProxyHops is 0: the chat most likely sits
// behind a proxy it was not told about, and then all residents share the
// proxy's rate limit and stream bound. (From a public address the header
// is a client's own claim, ignored without a word.)
func (c *Chat) warnIfProxy(peer string) {
	ip, err := netip.ParseAddr(peer)
	if err != nil {
		return
	}
	ip = ip.Unmap()
	if !ip.IsLoopback() && !ip.IsPrivate() {
		return
	}
	c.proxyWarning.Do(func() {
		c.log.Warn("web chat: X-Forwarded-For arrives from a proxy but is ignored, so all residents share one rate limit; behind a proxy? set OKIENKO_WEB_BEHIND_PROXY (Config.ProxyHops)")
	})
}

// rateLimiter is a token bucket per client: burst messages at once, then
// rate per second.
type rateLimiter struct {
	mu        sync.Mutex
	rate      float64
	burst     float64
	clock     bot.Clock
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(perSecond float64, burst int, clock bot.Clock) *rateLimiter {
	return &rateLimiter{rate: perSecond, burst: float64(burst), clock: clock, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or reports how long until one is there.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// sweep forgets, once a minute, the clients whose buckets are full again,
// so that the map holds only recent clients.
func (l *rateLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, k)
		}
	}
}

// streamCounter bounds the event streams open in all (maxTotal) and
// those each client holds open (max).
type streamCounter struct {
	mu         sync.Mutex
	max        int // per client (address)
	maxSession int // per session
	maxTotal   int
	total      int
	open       map[string]int // by client
	sessions   map[string]int // by session (chat id)
}

// acquire takes a stream slot for a client's session, or says which bound
// refused it: codeStreams (the session's own tabs) or codeBusy (the
// client's or the process's).
func (s *streamCounter) acquire(client, session string) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.sessions[session] >= s.maxSession:
		return false, codeStreams
	case s.total >= s.maxTotal || s.open[client] >= s.max:
		return false, codeBusy
	}
	s.total++
	s.open[client]++
	s.sessions[session]++
	return true, ""
}

func (s *streamCounter) release(client, session string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.open[client]--; s.open[client] <= 0 {
		delete(s.open, client)
	}
	if s.sessions[session]--; s.sessions[session] <= 0 {
		delete(s.sessions, session)
	}
}
