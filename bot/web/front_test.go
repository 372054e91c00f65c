package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"okienko/bot/web/internal/browser"
)

// front stands between the browser and the chat, as a load balancer or
// proxy does, and can misbehave the way they do: lose an answer the chat
// gave, answer 502 or 504, hold a message, or send the next requests to
// another replica. It records the messages posted through it.
type front struct {
	mu      sync.Mutex
	backend http.Handler
	faults  []fault
	posts   []posted
	streams map[http.Handler]int // event streams each backend finished
	held    chan struct{}        // closed when a message is being held
}

// posted is a message as the page posted it.
type posted struct {
	ID, Text, Choice, Command string
}

// fault is how the front treats the next message posted: it answers it
// itself, maybe after passing it on to the backend.
type fault func(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler)

func newFront(backend http.Handler) *front {
	return &front{backend: backend, streams: map[http.Handler]int{}}
}

// next queues faults for the next messages posted, one each.
func (f *front) next(faults ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faults...)
}

// route sends the requests from now on to backend.
func (f *front) route(backend http.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.backend = backend
}

// postsOf returns the messages posted with the text (or choice).
func (f *front) postsOf(text string) []posted {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []posted
	for _, p := range f.posts {
		if p.Text == text || p.Choice == text {
			out = append(out, p)
		}
	}
	return out
}

// streamsDone is how many event streams backend finished.
func (f *front) streamsDone(backend http.Handler) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams[backend]
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	backend := f.backend
	f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/chat/messages":
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var p posted
		_ = json.Unmarshal(body, &p)
		f.mu.Lock()
		f.posts = append(f.posts, p)
		var do fault
		if len(f.faults) > 0 {
			do, f.faults = f.faults[0], f.faults[1:]
		}
		f.mu.Unlock()
		if do != nil {
			do(f, w, r, backend)
			return
		}
	case r.URL.Path == "/api/chat/events":
		backend.ServeHTTP(w, r)
		f.mu.Lock()
		f.streams[backend]++
		f.mu.Unlock()
		return
	}
	backend.ServeHTTP(w, r)
}

// lostAfterHandling passes the message on, then loses the answer on the
// way back: headers, a cut body, the connection closed.
func lostAfterHandling(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler) {
	backend.ServeHTTP(httptest.NewRecorder(), r)
	cut(w)
}

// cut sends an answer that breaks off, as a dropped connection does.
func cut(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err) // the test server speaks HTTP/1.1
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"repl")
	_ = buf.Flush()
	_ = conn.Close()
}

// proxyStatus answers with a proxy's error page, after passing the
// message on (a timeout) or without (the backend unreachable).
func proxyStatus(status int, passOn bool) fault {
	return func(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler) {
		if passOn {
			backend.ServeHTTP(httptest.NewRecorder(), r)
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body><h1>Gateway problem</h1></body></html>")
	}
}

// lostThenRoutedTo loses the answer after handling, and sends the next
// requests (the retry) to another replica.
func lostThenRoutedTo(other http.Handler) fault {
	return func(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler) {
		backend.ServeHTTP(httptest.NewRecorder(), r)
		f.route(other)
		cut(w)
	}
}

// lost loses the message on the way to the chat: it never arrives.
func lost(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler) {
	cut(w)
}

// answered answers with body as the chat would, without passing the
// message on.
func answered(body string) fault {
	return func(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}
}

// heldThenFailed holds the message (the engine never sees it) until
// release is closed, then answers 500 as the chat does when it breaks.
func heldThenFailed(release <-chan struct{}) fault {
	return func(f *front, w http.ResponseWriter, r *http.Request, backend http.Handler) {
		f.mu.Lock()
		close(f.held)
		f.mu.Unlock()
		<-release
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"Coś poszło nie tak po naszej stronie.","code":"failed"}`)
	}
}

// hold queues a held message and returns a channel closed once it is
// being held, and the function that lets it fail.
func (f *front) hold() (held <-chan struct{}, release func()) {
	f.mu.Lock()
	f.held = make(chan struct{})
	held = f.held
	f.mu.Unlock()
	r := make(chan struct{})
	f.next(heldThenFailed(r))
	return held, sync.OnceFunc(func() { close(r) })
}

// exceptions are the page's uncaught exceptions (failed loads are
// expected where the front misbehaves on purpose).
func exceptions(p *browser.Page) []string {
	var out []string
	for _, s := range p.Problems() {
		if len(s) >= 10 && s[:10] == "exception:" {
			out = append(out, s)
		}
	}
	return out
}

// serveFront serves f on loopback until the test ends.
func serveFront(t *testing.T, f *front) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}
