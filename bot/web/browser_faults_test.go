package web_test

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"okienko/bot"
	"okienko/bot/web"
	"okienko/bot/web/internal/browser"
)

// press clicks the choice with the label among the newest choices.
func press(t *testing.T, p *browser.Page, label string) string {
	t.Helper()
	var id string
	p.MustEval(`(function () {
  var b = Array.prototype.find.call(document.querySelectorAll('.choices:not(.spent) button.choice'), function (b) { return b.textContent === `+js(label)+`; });
  return b ? b.getAttribute('data-choice') : '';
})()`, &id)
	if id == "" {
		t.Fatalf("no choice %q on the page", label)
	}
	p.Click(`.choices:not(.spent) button[data-choice=` + js(id) + `]`)
	return id
}

// transcript is what the tab keeps of the conversation (sessionStorage).
type transcript struct {
	Items []struct{ Who, Text string }
}

func kept(t *testing.T, p *browser.Page) transcript {
	t.Helper()
	var raw string
	p.MustEval(`sessionStorage.getItem('okienko-transcript-v1') || '{}'`, &raw)
	var tr transcript
	if err := json.Unmarshal([]byte(raw), &tr); err != nil {
		t.Fatalf("the kept transcript %q: %v", raw, err)
	}
	return tr
}

func (tr transcript) has(who, text string) bool {
	for _, it := range tr.Items {
		if it.Who == who && strings.Contains(it.Text, text) {
			return true
		}
	}
	return false
}

// TestBrowserRetries: answers lost on the way back (a dropped connection,
// a proxy's 502 or 504) are retried by the page with the same id, and the
// page shows the answer the chat kept; a retry that reaches a replica that
// did not keep it shows a note, not nothing; a message whose every attempt
// failed comes back to the box with the focus, and sent again unchanged it
// keeps its id. A choice that fails while a staff reply arrives takes only
// its own echo away, and the focus goes back to the button.
func TestBrowserRetries(t *testing.T) {
	mb := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	h := newHarness(t, func(c *web.Config) { c.Mailbox = mb })
	replica, _ := h.replica()
	f := newFront(h.chat)
	srv := serveFront(t, f)
	b := browser.Start(t, "pl-PL,pl")
	p := b.NewPage(1200, 900)
	p.Navigate(srv.URL + "/")
	p.WaitFor(lastBotSays("Jestem Okienko"), wait)

	// The chat handled the message; its answer was lost: the page retries
	// and shows the answer kept, and the engine applied the message once.
	f.next(lostAfterHandling)
	p.Click("#message")
	p.Type("Nie mam pieniędzy na jedzenie")
	p.Press("Enter")
	p.WaitFor(lastBotSays("Pomoc żywnościowa"), wait)
	posts := f.postsOf("Nie mam pieniędzy na jedzenie")
	if len(posts) != 2 || posts[0].ID != posts[1].ID {
		t.Errorf("the lost message was posted as %+v, want twice with one id", posts)
	} else if n := h.rec.count(posts[0].ID); n != 1 {
		t.Errorf("the engine got the message %d times", n)
	}

	// A proxy's 502 (the chat never saw it) and 504 (it did): retried.
	f.next(proxyStatus(502, false))
	press(t, p, "Szukam czegoś innego")
	p.WaitFor(lastBotSays("W czym mogę pomóc"), wait)
	f.next(proxyStatus(504, true))
	choice := press(t, p, "Pieniądze i świadczenia")
	p.WaitFor(lastBotSays("Dla kogo"), wait)
	if posts := f.postsOf(choice); len(posts) != 2 || posts[0].ID != posts[1].ID {
		t.Errorf("after a 504 the choice was posted as %+v, want twice with one id", posts)
	}

	// The retry lands on a replica that did not keep the answer: the
	// engine answers nothing, and the page says the message arrived.
	f.next(lostThenRoutedTo(replica))
	press(t, p, "Dla siebie")
	p.WaitFor(`(function () { var n = document.querySelector('#log > .note:last-child'); return n && n.textContent.includes('Wiadomość już dotarła'); })()`, wait)
	p.WaitFor(scrolledDown, wait)
	p.Screenshot(filepath.Join(artifacts(t), "web-chat-retry-note.png"))
	// A retry answered with the kept answer of its first attempt, which
	// was no reply at all (words passed on to staff): no note.
	arrived := `Array.prototype.filter.call(document.querySelectorAll('#log > .note'), function (n) { return n.textContent.includes('Wiadomość już dotarła'); }).length`
	f.next(lost, answered(`{"replies":[],"repeat":true}`))
	p.Click("#message")
	p.Type("Przekażę to pani Annie")
	p.Press("Enter")
	p.WaitFor(`document.querySelector('#log > .msg-me:last-child') && !document.getElementById('status').classList.contains('typing')`, wait)
	var notes int
	p.MustEval(arrived, &notes)
	if n := len(f.postsOf("Przekażę to pani Annie")); notes != 1 || n != 2 {
		t.Errorf("a retry answered with its kept empty answer: %d posts, %d notes, want 2 and still 1", n, notes)
	}

	// Every attempt lost (sent with the button): the text is back in the
	// box, with the focus; sent again unchanged, it keeps its id and gets
	// the answer the chat kept.
	f.next(lostAfterHandling, lostAfterHandling, lostAfterHandling)
	p.Click("#message")
	p.Type("/pomoc")
	p.Click(".send")
	p.WaitFor(`document.getElementById('alert').textContent.includes('Nie udało się połączyć') && document.getElementById('message').value === '/pomoc'`, wait)
	p.WaitFor(`document.activeElement === document.getElementById('message')`, wait)
	var echoes int
	p.MustEval(`Array.prototype.filter.call(document.querySelectorAll('.msg-me'), function (m) { return m.textContent.includes('/pomoc'); }).length`, &echoes)
	if echoes != 0 || kept(t, p).has("me", "/pomoc") {
		t.Errorf("a message that failed still shows (%d) or is kept", echoes)
	}
	p.Press("Enter")
	p.WaitFor(lastBotSays("/czlowiek"), wait)
	if posts := f.postsOf("/pomoc"); len(posts) != 4 || posts[0].ID != posts[3].ID {
		t.Errorf("the message sent again was posted as %+v, want 4 times with one id", posts)
	} else if n := h.rec.count(posts[0].ID); n != 1 {
		t.Errorf("the engine got it %d times", n)
	}

	// A choice fails while a member of staff's reply arrives: the echo
	// goes, the reply stays (also in what the tab keeps), and the focus is
	// back on the button pressed, shown again.
	held, release := f.hold()
	defer release()
	var label string
	p.MustEval(`document.querySelector('.choices:not(.spent) button.choice').textContent`, &label)
	pressed := press(t, p, label)
	<-held
	if err := h.chat.Send(h.rec.lastChatID(t), bot.Reply{Text: "Anna: zaraz odpiszę"}); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(`document.querySelector('.msg-centre') !== null`, wait)
	release()
	p.WaitFor(`document.getElementById('alert').textContent !== ''`, wait)
	p.WaitFor(`document.activeElement.getAttribute('data-choice') === `+js(pressed)+` && !document.activeElement.disabled`, wait)
	tr := kept(t, p)
	if !tr.has("centre", "zaraz odpiszę") || tr.has("me", label) {
		t.Errorf("after the failed choice the tab keeps %+v: want the staff reply, not the echo %q", tr.Items, label)
	}
	var shown string
	p.MustEval(`document.getElementById('log').lastElementChild.textContent`, &shown)
	if !strings.Contains(shown, "zaraz odpiszę") {
		t.Errorf("after the failed choice the conversation ends with %q", shown)
	}
	p.Navigate(srv.URL + "/")
	p.WaitFor(`document.querySelector('.msg-centre') !== null`, wait)
	if probs := exceptions(p); len(probs) > 0 {
		t.Errorf("the page threw: %q", probs)
	}
}

// TestBrowserEraseOnSharedComputer: after "Usuń rozmowę" the browser has a
// new session: the tab goes on in it, another open tab drops the old
// transcript at once, a tab that was elsewhere drops it when it comes
// back, and a new tab (the next person at a library computer) sees none
// of it. Before the erasure, a new tab of the same session still gets the
// welcome back and the staff replies kept.
func TestBrowserEraseOnSharedComputer(t *testing.T) {
	h := newHarness(t, nil)
	b := browser.Start(t, "pl-PL,pl")
	p := b.NewPage(1200, 900)
	p.Navigate(h.srv.URL + "/")
	p.WaitFor(lastBotSays("Jestem Okienko"), wait)
	p.Click("#message")
	p.Type("Nie mam pieniędzy na jedzenie")
	p.Press("Enter")
	p.WaitFor(lastBotSays("Pomoc żywnościowa"), wait)
	oldChat := h.rec.lastChatID(t)
	if err := h.chat.Send(oldChat, bot.Reply{Text: "Anna: proszę przyjść w czwartek"}); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(`document.querySelectorAll('.msg-centre').length === 1`, wait)

	// The same session in another tab: welcome back, the reply kept.
	open := b.NewPage(1200, 900)
	open.Navigate(h.srv.URL + "/")
	open.WaitFor(`document.querySelector('.note button.restart') && document.querySelectorAll('.msg-centre').length === 1`, wait)
	// A third tab writes, then goes to another site.
	away := b.NewPage(1200, 900)
	away.Navigate(h.srv.URL + "/")
	away.WaitFor(`document.querySelector('.note button.restart') !== null`, wait)
	away.Click("#message")
	away.Type("Potrzebuję pomocy dla mamy")
	away.Press("Enter")
	away.WaitFor(`document.querySelectorAll('.msg-bot').length > 0`, wait)
	away.Navigate("about:blank")

	p.Click("#erase")
	p.WaitFor(lastBotSays("Usunięto wszystkie dane"), wait)
	var left int
	p.MustEval(`document.querySelectorAll('.msg').length`, &left)
	if left != 1 {
		t.Errorf("%d messages shown after erasing, want only the confirmation", left)
	}

	// The open tab drops the conversation and says why.
	open.WaitFor(`document.querySelectorAll('.msg').length === 0 && document.querySelector('.note') && document.querySelector('.note').textContent.includes('usunięta w innej karcie')`, wait)
	open.Screenshot(filepath.Join(artifacts(t), "web-chat-erased-elsewhere.png"))
	if tr := kept(t, open); len(tr.Items) > 0 {
		t.Errorf("the open tab still keeps %+v", tr.Items)
	}
	// The tab that was away drops it when it comes back.
	away.Navigate(h.srv.URL + "/")
	away.WaitFor(`document.querySelector('.note button.restart') !== null`, wait)
	var awayShows int
	away.MustEval(`document.querySelectorAll('.msg').length`, &awayShows)
	if awayShows != 0 || len(kept(t, away).Items) > 0 {
		t.Errorf("the tab that was away shows %d messages of the erased conversation", awayShows)
	}

	// The erasing tab goes on in a new conversation.
	p.Click("#message")
	p.Type("Dzień dobry")
	p.Press("Enter")
	p.WaitFor(`document.querySelectorAll('.msg-bot').length > 1`, wait)
	newChat := h.rec.lastChatID(t)
	if newChat == oldChat {
		t.Fatal("after erasure the tab still talks in the erased conversation")
	}
	// So does the open tab, with the new session's token.
	open.Click("#message")
	open.Type("Szukam pomocy")
	open.Press("Enter")
	open.WaitFor(`document.querySelectorAll('.msg-bot').length > 0`, wait)
	if got := h.rec.lastChatID(t); got != newChat {
		t.Errorf("the open tab wrote to %s, want the new conversation %s", got, newChat)
	}
	// What reaches the erased conversation reaches nobody; the next person
	// sees nothing of it.
	if err := h.chat.Send(oldChat, bot.Reply{Text: "Anna: do starej rozmowy"}); err != nil {
		t.Fatal(err)
	}
	next := b.NewPage(1200, 900)
	next.Navigate(h.srv.URL + "/")
	next.WaitFor(`document.querySelector('.note button.restart') !== null`, wait)
	if err := h.chat.Send(newChat, bot.Reply{Text: "Anna: do nowej rozmowy"}); err != nil {
		t.Fatal(err)
	}
	next.WaitFor(`document.querySelectorAll('.msg-centre').length === 1`, wait)
	var staff string
	next.MustEval(`document.querySelector('.msg-centre').textContent`, &staff)
	if !strings.Contains(staff, "do nowej rozmowy") {
		t.Errorf("the next person sees the staff reply %q", staff)
	}
	for _, page := range []*browser.Page{p, open, away, next} {
		if probs := page.Problems(); len(probs) > 0 {
			t.Errorf("the page reported problems: %q", probs)
		}
	}
}

// TestBrowserReconnectsAfterShutdown: a page whose event stream is cut by
// a shutdown, and whose next attempt reaches the stopping server, keeps
// trying every few seconds rather than giving up the stream, and gets a
// staff reply through another replica once the balancer sends it there.
func TestBrowserReconnectsAfterShutdown(t *testing.T) {
	mb := web.NewMemoryMailbox(web.MemoryMailboxConfig{})
	h := newHarness(t, func(c *web.Config) { c.Mailbox = mb })
	replica, _ := h.replica()
	f := newFront(h.chat)
	srv := serveFront(t, f)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _ = h.chat.Run(ctx) }()

	b := browser.Start(t, "pl-PL,pl")
	p := b.NewPage(1200, 900)
	// Every EventSource the page makes, to see whether it gives one up.
	const sources = `(function () {
  var ES = window.EventSource;
  window.__sources = [];
  function Recorded(url, opts) { var s = new ES(url, opts); window.__sources.push(s); return s; }
  Recorded.prototype = ES.prototype;
  Recorded.CONNECTING = 0; Recorded.OPEN = 1; Recorded.CLOSED = 2;
  window.EventSource = Recorded;
})();`
	if err := p.Call("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": sources}, nil); err != nil {
		t.Fatal(err)
	}
	p.Navigate(srv.URL + "/")
	p.WaitFor(lastBotSays("Jestem Okienko"), wait)
	p.WaitFor(`window.__sources.length === 1 && window.__sources[0].readyState === 1`, wait)

	stop()
	// The open stream ends; the browser comes back to the stopping server.
	eventually(t, "the page's stream to end and come back to the stopping server", wait, func() bool {
		return f.streamsDone(h.chat) >= 2
	})
	f.route(replica)
	if err := replica.Send(h.rec.lastChatID(t), bot.Reply{Text: "Anna: jestem po restarcie"}); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(`document.querySelector('.msg-centre') && document.querySelector('.msg-centre').textContent.includes('po restarcie')`, wait)
	var closed int
	p.MustEval(`window.__sources.filter(function (s) { return s.readyState === 2; }).length`, &closed)
	if closed > 0 {
		t.Errorf("the page gave up %d event streams during the shutdown", closed)
	}
	if probs := exceptions(p); len(probs) > 0 {
		t.Errorf("the page threw: %q", probs)
	}
}

// accessibleNames are the names Chromium's accessibility tree gives the
// elements matching selector, in document order.
func accessibleNames(t *testing.T, p *browser.Page, selector string) []string {
	t.Helper()
	var doc struct {
		Root struct {
			NodeID int `json:"nodeId"`
		} `json:"root"`
	}
	if err := p.Call("DOM.getDocument", map[string]any{"depth": 0}, &doc); err != nil {
		t.Fatal(err)
	}
	var found struct {
		NodeIDs []int `json:"nodeIds"`
	}
	if err := p.Call("DOM.querySelectorAll", map[string]any{"nodeId": doc.Root.NodeID, "selector": selector}, &found); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, id := range found.NodeIDs {
		var tree struct {
			Nodes []struct {
				Name *struct {
					Value string `json:"value"`
				} `json:"name"`
			} `json:"nodes"`
		}
		if err := p.Call("Accessibility.getPartialAXTree", map[string]any{"nodeId": id, "fetchRelatives": false}, &tree); err != nil {
			t.Fatal(err)
		}
		name := ""
		if len(tree.Nodes) > 0 && tree.Nodes[0].Name != nil {
			name = tree.Nodes[0].Name.Value
		}
		names = append(names, name)
	}
	return names
}

// visibleTexts are the texts a sighted person sees on the elements
// matching selector: their text nodes that are drawn larger than the
// one-pixel box of text for screen readers only.
func visibleTexts(t *testing.T, p *browser.Page, selector string) []string {
	t.Helper()
	var texts []string
	p.MustEval(`Array.prototype.map.call(document.querySelectorAll(`+js(selector)+`), function (e) {
  var out = [];
  var walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  for (var n = walk.nextNode(); n; n = walk.nextNode()) {
    var r = n.parentElement.getBoundingClientRect();
    if (r.width > 1 && r.height > 1 && getComputedStyle(n.parentElement).visibility === 'visible') out.push(n.textContent);
  }
  return out.join(' ').replace(/\s+/g, ' ').trim();
})`, &texts)
	return texts
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b [3]float64) float64 {
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, v := range c {
			v /= 255
			if v <= 0.03928 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestBrowserAccessibility: the settings' accessible names contain their
// visible text (WCAG 2.5.3, on a computer and on a phone, where the
// buttons show "UA" and "A+"); the placeholder has a contrast of 4.5:1 at
// least, in both colour schemes; a restored transcript is added while the
// conversation is marked busy, so that screen readers do not read it all
// out; a long paste is kept whole in the box and answered by the counter
// and the alert, not cut silently.
func TestBrowserAccessibility(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.MaxMessageChars = 40 })
	b := browser.Start(t, "pl-PL,pl")
	p := b.NewPage(1200, 900)
	const restoring = `(function () {
  window.__restored = {busy: 0, idle: 0};
  var busy = false;
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === 'attributes') { busy = r.oldValue !== 'true'; return; }
      if (r.target.id !== 'log') return;
      Array.prototype.forEach.call(r.addedNodes, function (n) {
        if (n.classList && n.classList.contains('msg')) window.__restored[busy ? 'busy' : 'idle']++;
      });
    });
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-busy'], attributeOldValue: true});
})();`
	if err := p.Call("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": restoring}, nil); err != nil {
		t.Fatal(err)
	}
	p.Navigate(h.srv.URL + "/")
	p.WaitFor(lastBotSays("Jestem Okienko"), wait)

	// Label in name, on a computer and on a phone.
	for _, width := range []int{1200, 390} {
		if err := p.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": width < 500}, nil); err != nil {
			t.Fatal(err)
		}
		names := accessibleNames(t, p, ".settings button")
		visible := visibleTexts(t, p, ".settings button")
		if len(names) < 5 || len(names) != len(visible) {
			t.Fatalf("%d px: %d names for %d buttons", width, len(names), len(visible))
		}
		for i := range names {
			if names[i] == "" || !strings.Contains(strings.ToLower(strings.Join(strings.Fields(names[i]), " ")), strings.ToLower(visible[i])) {
				t.Errorf("%d px: a button shows %q but is called %q", width, visible[i], names[i])
			}
		}
	}
	p.Screenshot(filepath.Join(artifacts(t), "web-chat-phone-settings.png"))
	if err := p.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}

	// The placeholder's contrast, as drawn (its colour at its opacity on
	// the box's background), in both colour schemes.
	for _, scheme := range []string{"", "contrast"} {
		p.MustEval(`document.documentElement.classList.toggle('contrast', `+js(scheme)+` === 'contrast')`, nil)
		var c struct{ Fg, Bg []float64 }
		p.MustEval(`(function () {
  var m = document.getElementById('message');
  var ph = getComputedStyle(m, '::placeholder');
  function rgba(s) { var v = s.match(/[\d.]+/g).map(Number); if (v.length < 4) v.push(1); return v; }
  var fg = rgba(ph.color), bg = rgba(getComputedStyle(m).backgroundColor);
  var a = fg[3] * parseFloat(ph.opacity);
  return {Fg: [0, 1, 2].map(function (i) { return fg[i] * a + bg[i] * (1 - a); }), Bg: bg.slice(0, 3)};
})()`, &c)
		if len(c.Fg) != 3 || len(c.Bg) != 3 {
			t.Fatalf("placeholder colours %+v", c)
		}
		if r := contrast([3]float64(c.Fg), [3]float64(c.Bg)); r < 4.5 {
			t.Errorf("scheme %q: the placeholder's contrast is %.2f:1, want 4.5:1 at least", scheme, r)
		}
	}
	p.MustEval(`document.documentElement.classList.remove('contrast')`, nil)

	// A long paste: kept whole, counted, refused with a reason; nothing
	// sent.
	before := h.rec.total()
	long := strings.Repeat("Proszę o pomoc. ", 4) + "Dziękuję" // 72 characters
	p.Click("#message")
	p.Type(long)
	var value, counter string
	p.MustEval(`document.getElementById('message').value`, &value)
	p.MustEval(`document.getElementById('counter').textContent`, &counter)
	if value != long || !strings.Contains(counter, "72") {
		t.Errorf("a paste of %d characters left %d in the box, counter %q", len(long), len([]rune(value)), counter)
	}
	p.Press("Enter")
	p.WaitFor(`document.getElementById('alert').textContent.includes('72 znaków')`, wait)
	if h.rec.total() != before {
		t.Error("a message over the limit was sent")
	}
	p.MustEval(`document.getElementById('message').value = ''`, nil)

	// A reload restores the transcript while the log is busy.
	p.Navigate(h.srv.URL + "/")
	p.WaitFor(`document.querySelectorAll('.msg').length > 0`, wait)
	var restored struct{ Busy, Idle int }
	p.MustEval(`window.__restored`, &restored)
	p.WaitFor(`!document.getElementById('log').hasAttribute('aria-busy')`, wait)
	if restored.Busy == 0 || restored.Idle != 0 {
		t.Errorf("restoring the transcript: %d messages added while busy, %d while not", restored.Busy, restored.Idle)
	}
	if probs := p.Problems(); len(probs) > 0 {
		t.Errorf("the page reported problems: %q", probs)
	}
}
