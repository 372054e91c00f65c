// Package browser drives a real headless Chromium for the web chat's
// tests, over the DevTools protocol on a pipe (--remote-debugging-pipe), so
// that no WebSocket library or driver package is needed: commands go to
// the browser's fd 3 and answers come from its fd 4, as JSON terminated by
// a NUL byte.
//
// When Chromium is not installed, Start skips the test, or fails it when
// the environment variable CI is "true" (CI must not pass by skipping).
package browser

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"okienko/bot/logtest"
)

// candidates are where Chromium may be; OKIENKO_CHROMIUM names another.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Browser is a Chromium process owned by a test.
type Browser struct {
	t    testing.TB
	cmd  *exec.Cmd
	out  io.WriteCloser // the browser reads commands here
	in   *bufio.Reader  // and writes answers and events here
	logs *logtest.Buffer

	writeMu sync.Mutex
	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	pages   map[string]*Page // by session id
	closed  chan struct{}
}

// message is one DevTools protocol message: an answer (ID) or an event
// (Method).
type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// Start runs headless Chromium until the test ends. acceptLanguage is the
// languages it asks pages for ("pl-PL,pl").
func Start(t testing.TB, acceptLanguage string) *Browser {
	t.Helper()
	bin := os.Getenv("OKIENKO_CHROMIUM")
	if bin == "" {
		for _, c := range candidates {
			if p, err := exec.LookPath(c); err == nil {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found (CI=true: install the Debian package chromium, or set OKIENKO_CHROMIUM)")
		}
		t.Skip("chromium not found, skipping (install the Debian package chromium, or set OKIENKO_CHROMIUM)")
	}
	profile := t.TempDir()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--no-default-browser-check", "--force-color-profile=srgb", "--disable-dev-shm-usage",
		"--user-data-dir=" + profile, "--remote-debugging-pipe",
		"--accept-lang=" + acceptLanguage, "--lang=" + strings.Split(acceptLanguage, ",")[0],
		"about:blank",
	}
	cmd := exec.Command(bin, args...)
	// fd 3: commands to the browser; fd 4: answers from it.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{cmdR, ansW}
	logs := &logtest.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	ansW.Close()
	b := &Browser{
		t: t, cmd: cmd, out: cmdW, in: bufio.NewReaderSize(ansR, 1<<20), logs: logs,
		pending: map[int64]chan message{}, pages: map[string]*Page{}, closed: make(chan struct{}),
	}
	go b.read()
	t.Cleanup(b.close)
	var v struct {
		Product string `json:"product"`
	}
	if err := b.call("", "Browser.getVersion", nil, &v); err != nil {
		t.Fatalf("chromium did not answer: %v\n%s", err, logs.String())
	}
	t.Logf("browser: %s", v.Product)
	return b
}

func (b *Browser) close() {
	_ = b.call("", "Browser.close", nil, nil)
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
	b.out.Close()
}

// read dispatches answers to their callers and events to their pages.
func (b *Browser) read() {
	defer close(b.closed)
	for {
		raw, err := b.in.ReadBytes(0)
		if err != nil {
			return
		}
		var m message
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				delete(b.pending, m.ID)
				ch <- m
			}
		} else if p := b.pages[m.SessionID]; p != nil {
			p.event(m)
		}
		b.mu.Unlock()
	}
}

// callTimeout bounds one protocol command.
const callTimeout = 30 * time.Second

// call sends a command (to a page's session, or the browser with "") and
// decodes its result into result (unless nil).
func (b *Browser) call(session, method string, params, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	req := map[string]any{"id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if session != "" {
		req["sessionId"] = session
	}
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	b.writeMu.Lock()
	_, err = b.out.Write(append(data, 0))
	b.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: the browser exited", method)
	case <-time.After(callTimeout):
		return fmt.Errorf("%s: no answer within %v", method, callTimeout)
	}
}

// Page is one browser tab.
type Page struct {
	b       *Browser
	t       testing.TB
	session string

	mu       sync.Mutex
	problems []string // uncaught exceptions, console errors
}

// violationsScript records Content-Security-Policy violations in the page,
// which the test reads; DevTools-injected, it is not subject to the CSP.
const violationsScript = `window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});`

// NewPage opens a tab of width×height CSS pixels.
func (b *Browser) NewPage(width, height int) *Page {
	t := b.t
	t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	p := &Page{b: b, t: t, session: att.SessionID}
	b.mu.Lock()
	b.pages[p.session] = p
	b.mu.Unlock()
	for _, c := range []struct {
		method string
		params any
	}{
		{"Page.enable", nil},
		{"Runtime.enable", nil},
		{"Log.enable", nil},
		{"Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": violationsScript}},
		{"Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}},
	} {
		if err := b.call(p.session, c.method, c.params, nil); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (p *Page) event(m message) {
	switch m.Method {
	case "Page.javascriptDialogOpening":
		// confirm() and alert() are answered "OK", as a resident would;
		// not from the reading goroutine, which must read the answer.
		go func() { _ = p.Call("Page.handleJavaScriptDialog", map[string]any{"accept": true}, nil) }()
	case "Runtime.exceptionThrown":
		var e struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		_ = json.Unmarshal(m.Params, &e)
		p.problem("exception: " + e.Details.Text + " " + e.Details.Exception.Description)
	case "Log.entryAdded":
		var e struct {
			Entry struct {
				Level  string `json:"level"`
				Source string `json:"source"`
				Text   string `json:"text"`
				URL    string `json:"url"`
			} `json:"entry"`
		}
		_ = json.Unmarshal(m.Params, &e)
		if e.Entry.Level == "error" {
			p.problem(e.Entry.Source + ": " + e.Entry.Text + " " + e.Entry.URL)
		}
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		_ = json.Unmarshal(m.Params, &e)
		if e.Type == "error" {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, fmt.Sprint(a.Value, a.Description))
			}
			p.problem("console.error: " + strings.Join(parts, " "))
		}
	}
}

func (p *Page) problem(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, s)
}

// Problems returns the exceptions and errors the page reported so far.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// Call sends a protocol command to the page.
func (p *Page) Call(method string, params, result any) error {
	return p.b.call(p.session, method, params, result)
}

// Navigate opens url and waits until the document has loaded.
func (p *Page) Navigate(url string) {
	p.t.Helper()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.Call("Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		p.t.Fatal(err)
	}
	if nav.ErrorText != "" {
		p.t.Fatalf("navigate to %s: %s", url, nav.ErrorText)
	}
	p.WaitFor(`document.readyState === 'complete'`, 15*time.Second)
}

// Eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its value into out (unless nil).
func (p *Page) Eval(expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if err != nil {
		return err
	}
	if res.Exception != nil {
		return fmt.Errorf("evaluate %q: %s %s", expr, res.Exception.Text, res.Exception.Exception.Description)
	}
	if out != nil && len(res.Result.Value) > 0 {
		return json.Unmarshal(res.Result.Value, out)
	}
	return nil
}

// MustEval is Eval that fails the test on error.
func (p *Page) MustEval(expr string, out any) {
	p.t.Helper()
	if err := p.Eval(expr, out); err != nil {
		p.t.Fatal(err)
	}
}

// WaitFor waits until the expression is truthy, failing the test after
// timeout (with the page's problems, to say why).
func (p *Page) WaitFor(expr string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		var ok bool
		lastErr = p.Eval("!!("+expr+")", &ok)
		if lastErr == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited %v for %s (last error: %v); page problems: %q", timeout, expr, lastErr, p.Problems())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keys are the keys tests press: DOM key, code, Windows key code, text.
var keys = map[string]struct {
	key, code string
	vk        int
	text      string
}{
	"Tab":    {"Tab", "Tab", 9, ""},
	"Enter":  {"Enter", "Enter", 13, "\r"},
	"Space":  {" ", "Space", 32, " "},
	"Escape": {"Escape", "Escape", 27, ""},
}

// front brings the tab to the front, as a person does before typing or
// clicking in it: input sent to a tab in the background waits seconds
// for an acknowledgement, and a background tab draws no screenshots.
func (p *Page) front() {
	p.t.Helper()
	if err := p.Call("Page.bringToFront", nil, nil); err != nil {
		p.t.Fatal(err)
	}
}

// Press presses and releases a key ("Tab", "Shift+Tab", "Enter", "Space",
// "Escape") as a keyboard would, so that focus moves and buttons act.
func (p *Page) Press(name string) {
	p.t.Helper()
	p.front()
	modifiers := 0
	if rest, ok := strings.CutPrefix(name, "Shift+"); ok {
		modifiers, name = 8, rest
	}
	k, ok := keys[name]
	if !ok {
		p.t.Fatalf("unknown key %q", name)
	}
	down := map[string]any{"type": "keyDown", "key": k.key, "code": k.code, "windowsVirtualKeyCode": k.vk, "nativeVirtualKeyCode": k.vk, "modifiers": modifiers}
	if k.text != "" {
		down["text"] = k.text
		down["unmodifiedText"] = k.text
	} else {
		down["type"] = "rawKeyDown"
	}
	up := map[string]any{"type": "keyUp", "key": k.key, "code": k.code, "windowsVirtualKeyCode": k.vk, "nativeVirtualKeyCode": k.vk, "modifiers": modifiers}
	for _, ev := range []map[string]any{down, up} {
		if err := p.Call("Input.dispatchKeyEvent", ev, nil); err != nil {
			p.t.Fatal(err)
		}
	}
}

// Type types text into the focused element, as an input method would.
func (p *Page) Type(text string) {
	p.t.Helper()
	p.front()
	if err := p.Call("Input.insertText", map[string]any{"text": text}, nil); err != nil {
		p.t.Fatal(err)
	}
}

// Click clicks the middle of the first element matching the CSS selector
// with the mouse, after scrolling it into view.
func (p *Page) Click(selector string) {
	p.t.Helper()
	p.front()
	sel, _ := json.Marshal(selector)
	var box struct{ X, Y float64 }
	err := p.Eval(`(function () {
  var e = document.querySelector(`+string(sel)+`);
  if (!e) throw new Error('no element ' + `+string(sel)+`);
  e.scrollIntoView({block: 'center', behavior: 'instant'});
  var r = e.getBoundingClientRect();
  return {X: r.left + r.width / 2, Y: r.top + r.height / 2};
})()`, &box)
	if err != nil {
		p.t.Fatal(err)
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		ev := map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}
		if typ == "mouseMoved" {
			ev["button"] = "none"
		}
		if err := p.Call("Input.dispatchMouseEvent", ev, nil); err != nil {
			p.t.Fatal(err)
		}
	}
}

// Screenshot saves what the tab shows as a PNG file and returns its path.
func (p *Page) Screenshot(path string) string {
	p.t.Helper()
	p.front()
	var shot struct {
		Data string `json:"data"`
	}
	if err := p.Call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		p.t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		p.t.Fatal(err)
	}
	return path
}
