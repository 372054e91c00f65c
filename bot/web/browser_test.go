package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/web/internal/browser"
)

// wait bounds each wait for the page; the engine answers in milliseconds,
// so it only matters when something is broken.
const wait = 15 * time.Second

// artifacts is the folder for screenshots: $OKIENKO_ARTIFACTS, else
// .artifacts at the repository's root.
func artifacts(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("OKIENKO_ARTIFACTS"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".artifacts")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// js quotes a Go string for a JavaScript expression.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// lastBotSays is an expression true when the newest message from the bot
// contains text.
func lastBotSays(text string) string {
	return `(function () { var m = document.querySelectorAll('.msg-bot'); return m.length > 0 && m[m.length - 1].textContent.includes(` + js(text) + `); })()`
}

// focused returns the text of the focused element and whether it shows a
// focus indicator a keyboard user can see: :focus-visible with an
// outline of at least 2px.
func focused(t *testing.T, p *browser.Page) (string, bool) {
	t.Helper()
	var f struct {
		Text    string
		Visible bool
	}
	p.MustEval(`(function () {
  var e = document.activeElement;
  var s = getComputedStyle(e);
  return {Text: (e.textContent || '').trim(), Visible: e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2};
})()`, &f)
	return f.Text, f.Visible
}

// expectFocus checks that the focused element is the one named and shows
// its focus.
func expectFocus(t *testing.T, p *browser.Page, want string) {
	t.Helper()
	got, visible := focused(t, p)
	if got != want {
		t.Fatalf("focus is on %q, want %q", got, want)
	}
	if !visible {
		t.Errorf("focus on %q is not visible", got)
	}
}

// TestBrowserConversation runs a whole conversation in headless Chromium
// against the real engine and catalogue: a description typed in the
// resident's own words, a button pressed, the services found, buttons
// pressed with the keyboard alone (Tab, Space, Enter) with a visible
// focus, a request for a person, and a member of staff's reply relayed as
// the Slack bridge does (engine.Staff, then Chat.Send), which appears live.
// The page must not break its own Content-Security-Policy. Screenshots go
// to the artefacts folder.
func TestBrowserConversation(t *testing.T) {
	h := newHarness(t, nil)
	b := browser.Start(t, "pl-PL,pl")
	p := b.NewPage(1200, 900)
	p.Navigate(h.srv.URL + "/")
	out := artifacts(t)

	// The greeting comes by itself on a first visit.
	p.WaitFor(lastBotSays("Jestem Okienko"), wait)
	p.Screenshot(filepath.Join(out, "web-chat-greeting.png"))
	var a11y struct {
		Log, Live, LogLabel, InputLabel, FirstTab string
		Buttons, Choices                          int
	}
	p.MustEval(`(function () {
  var log = document.getElementById('log');
  var input = document.getElementById('message');
  return {
    Log: log.getAttribute('role'), Live: log.getAttribute('aria-live'),
    LogLabel: document.getElementById(log.getAttribute('aria-labelledby')).textContent,
    InputLabel: input.labels.length ? input.labels[0].textContent : '',
    FirstTab: document.querySelector('a, button, textarea').textContent,
    Buttons: document.querySelectorAll('.msg-bot .choices button[type=button]').length,
    Choices: document.querySelectorAll('.msg-bot .choice').length
  };
})()`, &a11y)
	if a11y.Log != "log" || a11y.Live != "polite" || a11y.LogLabel == "" {
		t.Errorf("conversation region: role %q, aria-live %q, label %q", a11y.Log, a11y.Live, a11y.LogLabel)
	}
	if a11y.InputLabel != "Twoja wiadomość" {
		t.Errorf("the message box is labelled %q", a11y.InputLabel)
	}
	if a11y.FirstTab != "Przejdź do pola wiadomości" {
		t.Errorf("the first focusable element is %q, want the skip link", a11y.FirstTab)
	}
	if a11y.Buttons < 10 || a11y.Buttons != a11y.Choices {
		t.Errorf("%d choices, %d of them buttons: want every choice a real button", a11y.Choices, a11y.Buttons)
	}

	// A description in the resident's own words, sent with Enter.
	p.Click("#message")
	p.Type("Nie mam pieniędzy na jedzenie")
	p.Press("Enter")
	p.WaitFor(lastBotSays("Pomoc żywnościowa"), wait)
	var echoed, inputLeft string
	p.MustEval(`document.querySelector('.msg-me .bubble').textContent`, &echoed)
	p.MustEval(`document.getElementById('message').value`, &inputLeft)
	if echoed != "Nie mam pieniędzy na jedzenie" || inputLeft != "" {
		t.Errorf("the resident's message shows as %q and %q is left in the box", echoed, inputLeft)
	}

	// Keyboard only from here: back from the message box to the newest
	// buttons, Space on one, Tab along the next ones, Enter.
	expectFocus(t, p, "")
	p.Press("Shift+Tab")
	expectFocus(t, p, "Szukam czegoś innego")
	p.Press("Space")
	p.WaitFor(lastBotSays("W czym mogę pomóc"), wait)
	p.WaitFor(`document.activeElement.textContent === 'Senior i opieka'`, wait)
	expectFocus(t, p, "Senior i opieka")
	for range 6 {
		p.Press("Tab")
	}
	expectFocus(t, p, "Pieniądze i świadczenia")
	p.WaitFor(scrolledDown, wait)
	p.Screenshot(filepath.Join(out, "web-chat-keyboard-focus.png"))
	p.Press("Enter")
	p.WaitFor(lastBotSays("Dla kogo"), wait)
	p.WaitFor(`document.activeElement.textContent === 'Dla siebie'`, wait)
	expectFocus(t, p, "Dla siebie")
	p.Press("Enter")
	p.WaitFor(lastBotSays("Czego potrzebujesz"), wait)
	p.WaitFor(`document.activeElement.classList.contains('choice')`, wait)
	p.Press("Tab")
	expectFocus(t, p, "Jedzenie")
	p.Press("Space")
	p.WaitFor(lastBotSays("Oto usługi"), wait)
	var results string
	p.MustEval(`document.querySelector('.msg-bot:last-child .bubble').textContent`, &results)
	if !strings.Contains(results, "Pomoc żywnościowa") {
		t.Errorf("results after the keyboard choices: %q", results)
	}
	p.WaitFor(`document.activeElement.textContent === 'Tak, dziękuję'`, wait)
	p.Press("Tab")
	expectFocus(t, p, "Chcę porozmawiać z pracownikiem")
	p.Press("Enter")
	p.WaitFor(lastBotSays("Jaki kontakt będzie najwygodniejszy"), wait)

	// With the mouse again: chat here, and consent.
	p.Click(`.msg-bot:last-child button[data-choice="czat"]`)
	p.WaitFor(lastBotSays("Bez zgody przekażę tylko temat"), wait)
	p.Click(`.msg-bot:last-child button[data-choice="tak"]`)
	p.WaitFor(lastBotSays("Przekazano sprawę"), wait)

	// A member of staff claims the case and answers in Slack; the bridge
	// runs the engine and sends the replies to the page.
	var c bot.Case
	eventually(t, "the case", wait, func() bool {
		cases := h.desk.opened()
		if len(cases) == 1 {
			c = cases[0]
		}
		return len(cases) == 1
	})
	relay := func(ev bot.StaffEvent) {
		t.Helper()
		ev.Case = bot.CaseRef{ID: c.ID, Key: c.Key}
		events, err := h.eng.Staff(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		_, chatID, _ := strings.Cut(c.Key, ":")
		for _, e := range events {
			if e.Kind == bot.EventReply {
				if err := h.chat.Send(chatID, *e.Reply); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	relay(bot.StaffEvent{Kind: bot.StaffClaimed, Name: "Anna", EventID: "claim-1"})
	p.WaitFor(`document.querySelectorAll('.msg-centre').length === 1`, wait)
	relay(bot.StaffEvent{Kind: bot.StaffMessage, Name: "Anna", Text: "Dzień dobry, tu Anna z Centrum. Zadzwonię jutro o 9:00, a paczkę żywnościową można odebrać w czwartek."})
	p.WaitFor(`document.querySelectorAll('.msg-centre').length === 2 && document.querySelector('.msg-centre:last-child').textContent.includes('Zadzwonię jutro')`, wait)
	var who string
	p.MustEval(`document.querySelector('.msg-centre:last-child .who').textContent`, &who)
	if who != "Centrum:" {
		t.Errorf("staff messages are labelled %q", who)
	}
	p.Click("#message")
	p.Type("Dziękuję, będę czekać na telefon.")
	p.Press("Enter")
	p.WaitFor(`document.querySelector('.msg-me:last-child').textContent.includes('będę czekać')`, wait)
	p.WaitFor(`!document.getElementById('status').classList.contains('typing')`, wait)
	p.WaitFor(scrolledDown, wait)
	shot := p.Screenshot(filepath.Join(out, "web-chat-desktop.png"))
	t.Logf("screenshot: %s", shot)

	// A reload shows the same conversation (kept in the tab), starts no
	// new one, and does not deliver the staff reply again: a further
	// reply arrives once.
	var before int
	p.MustEval(`document.querySelectorAll('.msg').length`, &before)
	p.Navigate(h.srv.URL + "/")
	p.WaitFor(`document.querySelectorAll('.msg').length === `+jsInt(before), wait)
	relay(bot.StaffEvent{Kind: bot.StaffMessage, Name: "Anna", Text: "Jeszcze jedno: proszę zabrać dowód osobisty."})
	p.WaitFor(`document.querySelector('.msg-centre:last-child').textContent.includes('dowód osobisty')`, wait)
	var centre, bots int
	p.MustEval(`document.querySelectorAll('.msg-centre').length`, &centre)
	p.MustEval(`document.querySelectorAll('.msg-bot').length`, &bots)
	if centre != 3 {
		t.Errorf("%d staff messages after the reload and one more reply, want 3", centre)
	}

	// Display switches, with the keyboard, kept across a reload.
	p.MustEval(`document.getElementById('larger').focus()`, nil)
	p.Press("Space")
	p.MustEval(`document.getElementById('contrast').focus()`, nil)
	p.Press("Enter")
	p.Navigate(h.srv.URL + "/")
	var classes, pressed string
	p.MustEval(`document.documentElement.className`, &classes)
	p.MustEval(`document.getElementById('larger').getAttribute('aria-pressed')`, &pressed)
	if !strings.Contains(classes, "large") || !strings.Contains(classes, "contrast") || pressed != "true" {
		t.Errorf("after a reload the page has classes %q, larger pressed %q", classes, pressed)
	}
	var fontSize, background string
	p.MustEval(`getComputedStyle(document.documentElement).fontSize`, &fontSize)
	p.MustEval(`getComputedStyle(document.body).backgroundColor`, &background)
	if fontSize != "20px" || background != "rgb(0, 0, 0)" {
		t.Errorf("larger text and high contrast: root font %s, background %s", fontSize, background)
	}
	// Residents who ask for less motion get no smooth scrolling.
	if err := p.Call("Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{{"name": "prefers-reduced-motion", "value": "reduce"}}}, nil); err != nil {
		t.Fatal(err)
	}
	var behavior string
	p.MustEval(`getComputedStyle(document.getElementById('log')).scrollBehavior`, &behavior)
	if behavior != "auto" {
		t.Errorf("with reduced motion the conversation scrolls %q", behavior)
	}
	p.WaitFor(`document.querySelectorAll('.msg-bot').length === `+jsInt(bots), wait)
	if err := p.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}, nil); err != nil {
		t.Fatal(err)
	}
	p.MustEval(`document.getElementById('log').scrollTop = 1e9`, nil)
	p.WaitFor(scrolledDown, wait)
	p.Screenshot(filepath.Join(out, "web-chat-phone-contrast.png"))

	// Switching the interface to Ukrainian relabels the page.
	p.MustEval(`document.querySelector('[data-lang=uk]').click()`, nil)
	var label, lang string
	p.MustEval(`document.querySelector('label[for=message]').textContent`, &label)
	p.MustEval(`document.documentElement.lang`, &lang)
	if label != "Ваше повідомлення" || lang != "uk" {
		t.Errorf("after switching to Ukrainian: label %q, lang %q", label, lang)
	}

	// A new tab (the transcript is per tab) with the same cookie: no new
	// greeting, an offer to start again, and the staff replies the mailbox
	// kept. Then the resident erases the conversation.
	p2 := b.NewPage(1200, 900)
	p2.Navigate(h.srv.URL + "/")
	p2.WaitFor(`document.querySelector('.note button.restart') && document.querySelectorAll('.msg-centre').length === 3`, wait)
	var greetings int
	p2.MustEval(`document.querySelectorAll('.msg-bot').length`, &greetings)
	if greetings != 0 {
		t.Errorf("a new tab of the same session shows %d bot messages, want none", greetings)
	}
	p2.Click("#erase")
	p2.WaitFor(lastBotSays("Usunięto wszystkie dane"), wait)
	var left int
	p2.MustEval(`document.querySelectorAll('.msg').length`, &left)
	if left != 1 {
		t.Errorf("%d messages shown after erasing, want only the confirmation", left)
	}
	// Writing again starts afresh.
	p2.Click("#message")
	p2.Type("Dzień dobry")
	p2.Press("Enter")
	// In Ukrainian: the interface language chosen in the first tab is
	// remembered, and a new conversation starts in it.
	p2.WaitFor(lastBotSays("Я Okienko"), wait)

	for _, page := range []*browser.Page{p, p2} {
		var violations []string
		page.MustEval(`window.__violations`, &violations)
		if len(violations) > 0 {
			t.Errorf("Content-Security-Policy violations: %q", violations)
		}
		if probs := page.Problems(); len(probs) > 0 {
			t.Errorf("the page reported problems: %q", probs)
		}
	}
}

// scrolledDown is true once the conversation has scrolled to its end (it
// scrolls smoothly unless the resident prefers reduced motion).
const scrolledDown = `(function () { var l = document.getElementById('log'); return Math.abs(l.scrollHeight - l.clientHeight - l.scrollTop) < 2; })()`

func jsInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestBrowserWidget: one script tag on a page of the Centre's site adds a
// button that opens the chat in a panel; the chat works in it, Escape
// closes it and focus goes back to the button.
func TestBrowserWidget(t *testing.T) {
	h := newHarness(t, nil)
	site := http.NewServeMux()
	site.HandleFunc("GET /strona", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="pl"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Centrum Usług Społecznych</title></head>
<body><h1>Centrum Usług Społecznych</h1><p>Pomagamy mieszkańcom od poniedziałku do piątku.</p>
<script src="/widget.js" defer></script></body></html>`))
	})
	site.Handle("/", h.chat)
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)

	b := browser.Start(t, "pl-PL,pl")
	p := b.NewPage(1200, 900)
	p.Navigate(srv.URL + "/strona")
	p.WaitFor(`document.querySelector('.okienko-launcher')`, wait)
	var name, expanded string
	p.MustEval(`document.querySelector('.okienko-launcher').textContent`, &name)
	if name != "Porozmawiaj z Okienkiem" {
		t.Errorf("the widget's button is called %q", name)
	}
	p.MustEval(`document.querySelector('.okienko-launcher').focus()`, nil)
	p.Press("Enter")
	p.MustEval(`document.querySelector('.okienko-launcher').getAttribute('aria-expanded')`, &expanded)
	if expanded != "true" {
		t.Errorf("aria-expanded %q after opening", expanded)
	}
	frame := `document.querySelector('.okienko-frame').contentDocument`
	p.WaitFor(frame+` && `+frame+`.querySelector('.msg-bot') && `+frame+`.querySelector('.msg-bot').textContent.includes('Jestem Okienko')`, wait)
	p.WaitFor(frame+`.activeElement && `+frame+`.activeElement.id === 'message'`, wait)
	p.Screenshot(filepath.Join(artifacts(t), "web-chat-widget.png"))

	// Escape in the chat closes the panel; focus returns to the button.
	p.Press("Escape")
	p.WaitFor(`document.querySelector('.okienko-panel').hidden`, wait)
	p.WaitFor(`document.activeElement === document.querySelector('.okienko-launcher')`, wait)
	if probs := p.Problems(); len(probs) > 0 {
		t.Errorf("the page reported problems: %q", probs)
	}
}
