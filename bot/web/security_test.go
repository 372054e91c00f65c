package web_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"okienko/bot/web"
)

// TestRefusals: what the message endpoint refuses, with which status and
// code, and that the resident reads why in their language.
func TestRefusals(t *testing.T) {
	h := newHarness(t, func(c *web.Config) {
		c.AllowedOrigins = []string{"https://www.cus.example.pl"}
	})
	ok := map[string]any{"text": "Potrzebuję pomocy dla mamy"}
	for _, tc := range []struct {
		name     string
		body     map[string]any
		raw      string // instead of body
		headers  map[string]string
		noCookie bool
		status   int
		code     string
		says     string // in the resident's language
	}{
		{name: "no CSRF token", body: ok, headers: map[string]string{"X-Okienko-Csrf": ""}, status: 403, code: "session", says: "Odśwież stronę"},
		{name: "wrong CSRF token", body: ok, headers: map[string]string{"X-Okienko-Csrf": "AAAAAAAAAAAAAAAAAAAAAAAA"}, status: 403, code: "session", says: "Odśwież stronę"},
		{name: "no session cookie", body: ok, noCookie: true, status: 403, code: "session", says: "Odśwież stronę"},
		{name: "foreign origin", body: ok, headers: map[string]string{"Origin": "https://evil.example"}, status: 403, code: "origin", says: "nie przyszła ze strony czatu"},
		{name: "null origin", body: ok, headers: map[string]string{"Origin": "null"}, status: 403, code: "origin"},
		{name: "foreign referer without origin", body: ok, headers: map[string]string{"Origin": "", "Referer": "https://evil.example/page"}, status: 403, code: "origin"},
		{name: "origin of another port", body: ok, headers: map[string]string{"Origin": "http://127.0.0.1:1"}, status: 403, code: "origin"},
		{name: "allowed site", body: ok, headers: map[string]string{"Origin": "https://www.cus.example.pl"}, status: 200},
		{name: "no origin, no referer (not a browser)", body: ok, headers: map[string]string{"Origin": ""}, status: 200},
		{name: "form post", raw: "text=hej", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415, code: "bad_request"},
		{name: "not JSON", raw: "{text:", status: 400, code: "bad_request", says: "Nie udało się odczytać"},
		{name: "unknown field", raw: `{"id":"abcdefgh12","text":"x","admin":true}`, status: 400, code: "bad_request"},
		{name: "two objects", raw: `{"id":"abcdefgh12","text":"x"}{"id":"abcdefgh13","text":"y"}`, status: 400, code: "bad_request"},
		{name: "no id", raw: `{"text":"x"}`, status: 400, code: "bad_request"},
		{name: "bad id", body: map[string]any{"id": "../../x", "text": "x"}, status: 400, code: "bad_request"},
		{name: "empty", body: map[string]any{"text": "   \n "}, status: 400, code: "empty", says: "Napisz wiadomość"},
		{name: "text and choice", body: map[string]any{"text": "x", "choice": "tak"}, status: 400, code: "bad_request"},
		{name: "bad choice", body: map[string]any{"choice": "<script>"}, status: 400, code: "bad_request"},
		{name: "unknown command", body: map[string]any{"command": "shutdown"}, status: 400, code: "bad_request"},
		{name: "too many characters", body: map[string]any{"text": strings.Repeat("ż", 2001)}, status: 413, code: "too_long", says: "2001 znaków"},
		{name: "exactly the limit", body: map[string]any{"text": strings.Repeat("ż", 2000)}, status: 200},
		{name: "huge body", raw: `{"id":"abcdefgh12","text":"` + strings.Repeat("a", 100_000) + `"}`, status: 413, code: "too_long", says: "Skróć ją proszę do 2000 znaków"},
		{name: "Ukrainian resident", body: map[string]any{"text": strings.Repeat("ї", 2500)}, headers: map[string]string{"X-Okienko-Lang": "uk"}, status: 413, code: "too_long", says: "задовге (2500 символів)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			me := h.open("pl")
			if tc.noCookie {
				me.client.Jar = nil
			}
			var a answer
			if tc.raw != "" {
				a = me.postRaw([]byte(tc.raw), tc.headers)
			} else {
				body := map[string]any{}
				for k, v := range tc.body {
					body[k] = v
				}
				a = me.post(body, tc.headers)
			}
			if a.status != tc.status || a.Code != tc.code {
				t.Fatalf("status %d code %q (%s), want %d %q", a.status, a.Code, a.Error, tc.status, tc.code)
			}
			if tc.says != "" && !strings.Contains(a.Error, tc.says) {
				t.Errorf("the resident reads %q, want it to say %q", a.Error, tc.says)
			}
			if strings.Contains(a.Error, "json") || strings.Contains(a.Error, "http:") {
				t.Errorf("the resident reads a Go error: %q", a.Error)
			}
		})
	}
}

// TestRateLimit: a client posting faster than the limit gets 429 with a
// clear message and Retry-After; another client is not affected, and the
// limit refills with time.
func TestRateLimit(t *testing.T) {
	now := testTime
	var clock = func() time.Time { return now }
	h := newHarness(t, func(c *web.Config) {
		c.RatePerMinute, c.RateBurst, c.ProxyHops, c.Clock = 20, 3, 1, clock
	})
	me, other := h.open("pl"), h.open("pl")
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": "203.0.113.9, " + ip} }
	for i := range 3 {
		if a := me.post(map[string]any{"text": "pomoc"}, from("198.51.100.7")); a.status != 200 {
			t.Fatalf("message %d within the burst: %d %s", i+1, a.status, a.Error)
		}
	}
	a := me.post(map[string]any{"text": "pomoc"}, from("198.51.100.7"))
	if a.status != http.StatusTooManyRequests || a.Code != "rate" || !strings.Contains(a.Error, "Poczekaj chwilę (około 3 s)") {
		t.Fatalf("over the limit: %d %q %q", a.status, a.Code, a.Error)
	}
	// The left-most X-Forwarded-For entry is the client's own claim and
	// does not count: the proxy's entry (right-most) does.
	if a := other.post(map[string]any{"text": "pomoc"}, from("198.51.100.8")); a.status != 200 {
		t.Errorf("another client: %d", a.status)
	}
	spoof := map[string]string{"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
	if a := other.post(map[string]any{"text": "pomoc"}, spoof); a.status != http.StatusTooManyRequests {
		t.Errorf("a client prepending addresses escaped the limit: %d", a.status)
	}
	now = now.Add(3 * time.Second)
	if a := me.post(map[string]any{"text": "pomoc"}, from("198.51.100.7")); a.status != 200 {
		t.Errorf("after 3 s (one message refilled): %d", a.status)
	}

	// The header itself: Retry-After in seconds.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/chat/messages", strings.NewReader(`{"id":"abcdefgh99","text":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Okienko-Csrf", me.csrf)
	for k, v := range from("198.51.100.7") {
		req.Header.Set(k, v)
	}
	res, err := me.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "3" {
		t.Errorf("status %d, Retry-After %q; want 429 and 3", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

// TestRateLimitWithoutProxy: X-Forwarded-For is ignored unless the chat
// is told it sits behind a proxy, so a client cannot pick its own key.
func TestRateLimitWithoutProxy(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.RatePerMinute, c.RateBurst = 1, 2 })
	me := h.open("pl")
	for i := range 5 {
		a := me.post(map[string]any{"text": "pomoc"}, map[string]string{"X-Forwarded-For": "192.0.2." + strconv.Itoa(i)})
		if i < 2 && a.status != 200 || i >= 2 && a.status != http.StatusTooManyRequests {
			t.Errorf("message %d: %d", i+1, a.status)
		}
	}
}

// TestProxyWarning: X-Forwarded-For from a loopback or private peer while
// the chat is not told of a proxy is logged once, not per request (a
// public peer's header is a client's claim: no warning), and not when the
// chat knows its proxies.
func TestProxyWarning(t *testing.T) {
	const warning = "behind a proxy? set OKIENKO_WEB_BEHIND_PROXY"
	for _, tc := range []struct {
		name  string
		hops  int
		xff   string
		warns int
	}{
		{"proxy not configured", 0, "203.0.113.7", 1},
		{"no header", 0, "", 0},
		{"proxy configured", 1, "203.0.113.7", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *web.Config) { c.ProxyHops = tc.hops })
			me := h.open("pl")
			for range 3 {
				me.post(map[string]any{"text": "pomoc"}, map[string]string{"X-Forwarded-For": tc.xff})
			}
			s := me.listenWith(map[string]string{"X-Forwarded-For": tc.xff}, "")
			s.cancel()
			if n := strings.Count(h.logs.String(), warning); n != tc.warns {
				t.Errorf("%d warnings, want %d:\n%s", n, tc.warns, h.logs.String())
			}
		})
	}
}

// TestCookieFlags: the session cookie is HttpOnly, Lax, for the whole
// site, Secure when the resident came over TLS (directly or through a
// proxy), and partitioned SameSite=None for a chat framed by another site.
func TestCookieFlags(t *testing.T) {
	plain := newHarness(t, nil)
	framed := newHarness(t, func(c *web.Config) { c.AllowedOrigins = []string{"https://www.cus.example.pl"} })
	tlsSrv := httptest.NewTLSServer(plain.chat)
	t.Cleanup(tlsSrv.Close)
	tlsClient := tlsSrv.Client()
	tlsClient.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}

	get := func(client *http.Client, url string, headers map[string]string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for _, c := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "okienko_session=") || strings.HasPrefix(c, "__Host-okienko_session=") {
				return c
			}
		}
		t.Fatalf("no session cookie set by %s", url)
		return ""
	}
	for _, tc := range []struct {
		name     string
		cookie   string
		has, not []string
	}{
		{"plain HTTP", get(http.DefaultClient, plain.srv.URL+"/", nil),
			[]string{"okienko_session=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=2592000"}, []string{"Secure", "Domain", "Partitioned", "__Host-"}},
		{"TLS", get(tlsClient, tlsSrv.URL+"/", nil),
			[]string{"__Host-okienko_session=", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"}, []string{"Partitioned", "Domain"}},
		{"TLS at the proxy", get(http.DefaultClient, plain.srv.URL+"/chat", map[string]string{"X-Forwarded-Proto": "https"}),
			[]string{"__Host-okienko_session=", "HttpOnly", "SameSite=Lax", "Secure"}, nil},
		{"framed by another site, TLS", get(http.DefaultClient, framed.srv.URL+"/chat", map[string]string{"X-Forwarded-Proto": "https"}),
			[]string{"HttpOnly", "SameSite=None", "Secure", "Partitioned"}, nil},
		{"framed by another site, plain HTTP", get(http.DefaultClient, framed.srv.URL+"/", nil),
			[]string{"HttpOnly", "SameSite=Lax"}, []string{"Secure", "SameSite=None"}},
	} {
		for _, want := range tc.has {
			if !strings.Contains(tc.cookie, want) {
				t.Errorf("%s: cookie %q lacks %s", tc.name, tc.cookie, want)
			}
		}
		for _, bad := range tc.not {
			if strings.Contains(tc.cookie, bad) {
				t.Errorf("%s: cookie %q has %s", tc.name, tc.cookie, bad)
			}
		}
		_, value, _ := strings.Cut(strings.Split(tc.cookie, ";")[0], "=")
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(value) {
			t.Errorf("%s: cookie value %q is not 128 random bits", tc.name, value)
		}
	}

	// Behind a proxy that terminates TLS and says nothing, the public
	// address tells: the cookie is Secure and __Host- all the same, it
	// names the session on the way back, and pages of that origin may
	// post though the proxy passes on its own Host.
	public := newHarness(t, func(c *web.Config) { c.PublicURL = "https://czat.cus.example.pl/" })
	behind := get(http.DefaultClient, public.srv.URL+"/", nil)
	for _, want := range []string{"__Host-okienko_session=", "Secure", "HttpOnly", "Path=/"} {
		if !strings.Contains(behind, want) {
			t.Errorf("with an https public URL the cookie %q lacks %s", behind, want)
		}
	}
	me := public.open("pl")
	me.client.Jar = nil
	name, value, _ := strings.Cut(strings.Split(behind, ";")[0], "=")
	page, err := http.NewRequest(http.MethodGet, public.srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	page.Header.Set("Cookie", name+"="+value)
	res, err := http.DefaultClient.Do(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="okienko-csrf" content="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no token in the page")
	}
	me.csrf = string(m[1])
	if a := me.post(map[string]any{"text": "pomoc"}, map[string]string{"Cookie": name + "=" + value, "Origin": "https://czat.cus.example.pl"}); a.status != http.StatusOK {
		t.Errorf("a post behind the proxy with the __Host- cookie: %d %s", a.status, a.Error)
	}

	// Over TLS a session cookie without the __Host- prefix (one a sibling
	// subdomain could have set) is not taken: the page starts a new one.
	planted := "AAAAAAAAAAAAAAAAAAAAAA"
	got := get(http.DefaultClient, plain.srv.URL+"/", map[string]string{"X-Forwarded-Proto": "https", "Cookie": "okienko_session=" + planted})
	if strings.Contains(got, planted) || !strings.HasPrefix(got, "__Host-okienko_session=") {
		t.Errorf("a planted cookie was taken over TLS: %q", got)
	}
	kept := get(http.DefaultClient, plain.srv.URL+"/", map[string]string{"Cookie": "okienko_session=" + planted})
	if !strings.Contains(kept, planted) {
		t.Errorf("over plain HTTP the session cookie was not kept: %q", kept)
	}
}

// TestHeaders: the page's Content-Security-Policy allows no inline code and
// no other origin, framing only by the allowed sites; the other security
// headers are set on every answer.
func TestHeaders(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.AllowedOrigins = []string{"https://www.cus.example.pl"} })
	plain := newHarness(t, nil)
	res := fetch(t, h.srv.URL+"/")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'self' https://www.cus.example.pl"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "*") {
		t.Errorf("CSP %q allows unsafe or wildcard sources", csp)
	}
	if got := fetch(t, plain.srv.URL+"/").Header; !strings.HasSuffix(got.Get("Content-Security-Policy"), "frame-ancestors 'self'") || got.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("without allowed origins: CSP %q, X-Frame-Options %q", got.Get("Content-Security-Policy"), got.Get("X-Frame-Options"))
	}
	for _, path := range []string{"/", "/chat", "/widget.js", "/assets/chat.js", "/api/chat/session"} {
		res := fetch(t, h.srv.URL+path)
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
		} {
			if got := res.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", path, header, got, want)
			}
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: no Content-Security-Policy", path)
		}
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control %q: it carries a CSRF token, want no-store", cc)
	}
}

// TestPageHasNoInlineCode: the page's HTML holds no inline script, style
// or event handler (the CSP would block them; the browser test checks the
// CSP in action).
func TestPageHasNoInlineCode(t *testing.T) {
	h := newHarness(t, nil)
	res := fetch(t, h.srv.URL+"/")
	body, _ := io.ReadAll(res.Body)
	page := string(body)
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s+(?:defer|async))?\s*>`),
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`javascript:`),
	} {
		if m := bad.FindString(page); m != "" {
			t.Errorf("the page has %q", m)
		}
	}
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(m, `src="/assets/`) && !strings.Contains(m, `type="application/json"`) {
			t.Errorf("inline script %s", m)
		}
	}
}

// TestAssets: the page's files are served with their types, cached for a
// year under the versioned URLs the page uses, and revalidated by ETag;
// the widget carries its texts and the version, and may be loaded by
// other sites; nothing else is served.
func TestAssets(t *testing.T) {
	h := newHarness(t, nil)
	page := fetch(t, h.srv.URL+"/")
	body, _ := io.ReadAll(page.Body)
	m := regexp.MustCompile(`/assets/chat\.css\?v=([0-9a-f]{12})`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("the page links no versioned style sheet")
	}
	version := m[1]
	for _, tc := range []struct {
		path, ctype, cache string
	}{
		{"/assets/chat.css?v=" + version, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/assets/chat.js?v=" + version, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/assets/prefs.js?v=" + version, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/assets/okienko.svg?v=" + version, "image/svg+xml", "public, max-age=31536000, immutable"},
		{"/assets/chat.css", "text/css; charset=utf-8", "public, max-age=300"},
		{"/widget.js", "text/javascript; charset=utf-8", "public, max-age=3600"},
		{"/assets/widget.css?v=" + version, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
	} {
		res := fetch(t, h.srv.URL+tc.path)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != tc.ctype || res.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("%s: %d %q %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
		}
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+tc.path, nil)
		req.Header.Set("If-None-Match", res.Header.Get("ETag"))
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", tc.path, again.StatusCode)
		}
	}
	widget := fetch(t, h.srv.URL+"/widget.js")
	wbody, _ := io.ReadAll(widget.Body)
	if w := string(wbody); strings.Contains(w, "__OKIENKO_") || !strings.Contains(w, `"`+version+`"`) || !strings.Contains(w, "Porozmawiaj z Okienkiem") || !strings.Contains(w, "Поговорити з Okienko") {
		t.Errorf("the widget lacks its version or texts")
	}
	if widget.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Errorf("widget.js CORP %q", widget.Header.Get("Cross-Origin-Resource-Policy"))
	}
	for _, path := range []string{"/assets/chat.html", "/assets/widget.js", "/assets/../web.go", "/assets/", "/admin", "/api/chat/nothing", "/favicon.ico"} {
		if res := fetch(t, h.srv.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, h.srv.URL+"/api/chat/messages", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE messages: %d", res.StatusCode)
	}
}

// fetch GETs a URL (closing the body when the test ends).
func fetch(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// TestStrictTransportSecurity: with an https public address every answer
// (page, assets, API) tells browsers to use HTTPS only; over plain HTTP
// without one, none does (it would mean nothing, and lock out a test
// setup).
func TestStrictTransportSecurity(t *testing.T) {
	for _, tc := range []struct {
		name, publicURL, want string
	}{
		{"https public URL", "https://czat.cus.example.pl/", "max-age=31536000"},
		{"plain HTTP", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *web.Config) { c.PublicURL = tc.publicURL })
			for _, path := range []string{"/", "/chat", "/widget.js", "/api/chat/session", "/nowhere"} {
				res, err := http.Get(h.srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if got := res.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("%s: Strict-Transport-Security %q, want %q", path, got, tc.want)
				}
			}
			// Mounted with Register on another mux, as okienko serve does.
			mux := http.NewServeMux()
			h.chat.Register(mux)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			for _, path := range []string{"/", "/chat", "/widget.js", "/api/chat/session"} {
				res, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if got := res.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("registered %s: Strict-Transport-Security %q, want %q", path, got, tc.want)
				}
			}
		})
	}
}
