package main

// The harness of the scale and fault tests: `okienko serve` replicas run
// in-process (runServe, each with its own --config file and --http
// address) in webhook mode behind a round-robin proxy, sharing a real
// redis-server, the fake Telegram Bot API and the fake Slack Web API on
// loopback. Scripted residents talk to them through Telegram webhook
// updates; an oracle — the same dialogs and catalogue in one in-process
// engine with an in-memory store — says what each resident must receive.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/memory"
	"okienko/bot/redis/redistest"
	"okienko/bot/script"
	"okienko/bot/slack/slackfake"
	"okienko/bot/telegram/telegramtest"
)

// Secrets of the cluster; the logs must carry none of them.
const (
	clusterTGToken    = "7012345678:AAF-clusterSecret_0123456789abcdefgh"
	clusterTGSecret   = "webhook-secret_0123456789abcdef"
	clusterSlackToken = "xoxb-cluster-0123456789-abcdef"
	clusterSigning    = "8f742231b10e8888abcd99yyyzzz85a5"
	clusterChannel    = "CSTAFF"
	// The webhook's public address (Telegram needs https); tests post to
	// its path on the proxy or on a replica instead.
	clusterWebhookURL = "https://okienko.test/telegram/webhook"
	clusterHookPath   = "/telegram/webhook"
	// replicaHeader names the replica that answered through the proxy.
	replicaHeader = "X-Okienko-Replica"
)

// clusterConfig says what startCluster starts.
type clusterConfig struct {
	replicas int
	aof      bool // redis-server with the append-only file (fsync always)
	// fastTelegram lifts Telegram's pacing (1 message a second per chat,
	// 30 a second per replica) when serve can be told so (fastPacing).
	fastTelegram bool
}

// fastPacing reports whether the config file takes the Telegram pacing
// settings, so that tests can lift the pacing.
func fastPacing() bool {
	return slices.Contains(settings, "OKIENKO_TELEGRAM_RATE") && slices.Contains(settings, "OKIENKO_TELEGRAM_PER_CHAT_INTERVAL")
}

// cluster is okienko serve replicas behind a round-robin proxy and the
// parts they share.
type cluster struct {
	t        *testing.T
	redis    *redistest.Server
	tg       *telegramtest.Server
	slack    *slackfake.Server
	dialogs  string // the --dialogs folder, a copy of ../../dialogs
	replicas []*replica
	proxy    *httptest.Server
	client   *http.Client
}

// replica is one runServe, as one process of a deployment would be.
type replica struct {
	index  int
	addr   string // its HTTP server
	logs   *logtest.Buffer
	cancel context.CancelFunc
	done   chan struct{} // closed when runServe has returned err
	err    error
}

// exited reports whether runServe has returned, and its error.
func (r *replica) exited() (bool, error) {
	select {
	case <-r.done:
		return true, r.err
	default:
		return false, nil
	}
}

// startCluster starts everything; it stops with the test, checking that
// every replica was still running and stops cleanly.
func startCluster(t *testing.T, cfg clusterConfig) *cluster {
	t.Helper()
	var opts []redistest.Option
	if cfg.aof {
		opts = append(opts, redistest.WithAOF())
	}
	c := &cluster{
		t:       t,
		redis:   redistest.Start(t, opts...),
		tg:      telegramtest.New(t, clusterTGToken),
		slack:   slackfake.New(t, clusterSlackToken),
		dialogs: copyDialogs(t),
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second},
		},
	}
	t.Cleanup(c.client.CloseIdleConnections)
	for i := range cfg.replicas {
		c.replicas = append(c.replicas, c.startReplica(i, cfg.fastTelegram && fastPacing()))
	}
	// Stopped together: each may take a few seconds (the Slack desk's
	// blocking outbox read ends only when it times out).
	t.Cleanup(func() {
		var metricsPages strings.Builder
		if os.Getenv("OKIENKO_CLUSTER_LOGS") != "" {
			for _, r := range c.replicas {
				if res, err := c.client.Get("http://" + r.addr + "/metrics"); err == nil {
					page, _ := io.ReadAll(res.Body)
					res.Body.Close()
					fmt.Fprintf(&metricsPages, "# replica %d\n%s", r.index, page)
				}
			}
		}
		var wg sync.WaitGroup
		for _, r := range c.replicas {
			wg.Add(1)
			go func() { defer wg.Done(); c.stopReplica(r) }()
		}
		wg.Wait()
		// OKIENKO_CLUSTER_LOGS=FILE keeps every replica's logs (and its
		// /metrics at the end) of the last cluster, to find out why a run
		// failed or how long messages took.
		if path := os.Getenv("OKIENKO_CLUSTER_LOGS"); path != "" {
			if err := os.WriteFile(path, []byte(c.logs()+metricsPages.String()), 0o600); err != nil {
				t.Errorf("OKIENKO_CLUSTER_LOGS: %v", err)
			}
		}
	})
	for _, r := range c.replicas {
		c.waitReady(r)
	}
	c.proxy = roundRobin(t, c.replicas)
	// Every replica registers the webhook (with the secret) at start.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if u, secret := c.tg.Webhook(); u == clusterWebhookURL && secret == clusterTGSecret {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no replica called setWebhook with the webhook URL and secret")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return c
}

// copyDialogs copies the bundled dialog scripts into a folder of the test,
// given to every replica with --dialogs (watched for hot reload).
func copyDialogs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"okienko.yaml", "crisis.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../dialogs", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startReplica writes the replica's config file and starts runServe.
func (c *cluster) startReplica(i int, fast bool) *replica {
	t := c.t
	t.Helper()
	r := &replica{index: i, addr: freeAddr(t), logs: &logtest.Buffer{}, done: make(chan struct{})}
	values := map[string]string{
		"telegram_token":       clusterTGToken,
		"telegram_webhook_url": clusterWebhookURL,
		"telegram_secret":      clusterTGSecret,
		"telegram_api_url":     c.tg.URL,
		"redis_url":            c.redis.URL(),
		"log_format":           "json",
		"slack_bot_token":      clusterSlackToken,
		"slack_channel":        clusterChannel,
		"slack_signing_secret": clusterSigning,
		"slack_api_url":        c.slack.URL(),
	}
	if fast {
		values["telegram_rate"] = "1000"
		values["telegram_per_chat_interval"] = "5ms"
	}
	if slices.Contains(settings, "OKIENKO_WEB") {
		values["web"] = "off" // residents come on Telegram here
	}
	var yaml strings.Builder
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&yaml, "%s: %q\n", k, values[k])
	}
	cfgPath := filepath.Join(t.TempDir(), fmt.Sprintf("replica%d.yaml", i))
	if err := os.WriteFile(cfgPath, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	args := []string{"--config", cfgPath, "--dialogs", c.dialogs, "--http", r.addr}
	go func() {
		r.err = runServe(ctx, args, stdio{in: strings.NewReader(""), out: io.Discard, err: r.logs})
		close(r.done)
	}()
	return r
}

// stopReplica stops a replica as SIGTERM would and checks that it had not
// stopped by itself before (a crash) and stops without an error.
func (c *cluster) stopReplica(r *replica) {
	t := c.t
	if done, err := r.exited(); done {
		t.Errorf("replica %d stopped by itself: %v\n%s", r.index, err, tail(r.logs.String(), 3000))
		return
	}
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			t.Errorf("replica %d: serve: %v\n%s", r.index, r.err, tail(r.logs.String(), 3000))
		}
	case <-time.After(40 * time.Second):
		t.Errorf("replica %d did not stop within 40 s", r.index)
	}
}

// waitReady waits until a replica answers /readyz (Redis reachable).
func (c *cluster) waitReady(r *replica) {
	t := c.t
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if done, err := r.exited(); done {
			r.cancel()
			t.Fatalf("replica %d ended at start: %v\n%s", r.index, err, tail(r.logs.String(), 3000))
		}
		resp, err := c.client.Get("http://" + r.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %d not ready within 60 s: %v\n%s", r.index, err, tail(r.logs.String(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether every replica still runs.
func (c *cluster) running() error {
	for _, r := range c.replicas {
		if done, err := r.exited(); done {
			return fmt.Errorf("replica %d stopped: %v", r.index, err)
		}
	}
	return nil
}

// logs returns every replica's logs.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, r := range c.replicas {
		b.WriteString(r.logs.String())
	}
	return b.String()
}

// checkLogsClean checks that the logs carry no token, secret or anything a
// resident wrote (long texts and phone numbers).
func (c *cluster) checkLogsClean(residents []*resident) {
	c.t.Helper()
	logs := c.logs()
	secrets := []string{clusterTGToken, clusterTGSecret, clusterSlackToken, clusterSigning}
	for _, r := range residents {
		for _, tu := range r.turns {
			if tu.phone != "" {
				secrets = append(secrets, tu.phone)
			}
			if len([]rune(tu.text)) >= 12 || strings.ContainsAny(tu.text, "0123456789") && len(tu.text) >= 9 {
				secrets = append(secrets, tu.text)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			c.t.Errorf("the logs carry a secret or a resident's words: %q", s)
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// handedOut are the ports freeAddr gave out in this test process.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freeAddr finds a free loopback address for a replica's --http. runServe
// listens itself, so the port is free only when chosen: it is taken below
// the kernel's ephemeral range, where no listener on port 0 (httptest, a
// fake) can be given it meanwhile, and never twice in one test process.
func freeAddr(t *testing.T) string {
	t.Helper()
	lo, hi := 20000, 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n-1000 > 1024 {
				hi = n
				lo = max(1024, min(lo, n-1000))
			}
		}
	}
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 1000 {
		port := lo + rand.IntN(hi-lo)
		if handedOut.ports[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		handedOut.ports[port] = true
		return l.Addr().String()
	}
	t.Fatal("no free loopback port below the ephemeral range")
	return ""
}

// roundRobin is the load balancer: each request goes to the next replica;
// the answer names the replica in replicaHeader.
func roundRobin(t *testing.T, replicas []*replica) *httptest.Server {
	t.Helper()
	transport := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	proxies := make([]*httputil.ReverseProxy, len(replicas))
	for i, r := range replicas {
		target := &url.URL{Scheme: "http", Host: r.addr}
		name := strconv.Itoa(i)
		proxies[i] = &httputil.ReverseProxy{
			Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
			Transport: transport,
			ModifyResponse: func(resp *http.Response) error {
				resp.Header.Set(replicaHeader, name)
				return nil
			},
			ErrorLog: slog.NewLogLogger(slog.NewTextHandler(io.Discard, nil), slog.LevelError),
		}
	}
	var next atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[(next.Add(1)-1)%uint64(len(proxies))].ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	return srv
}

// --- residents -------------------------------------------------------------

// turn is one thing a resident does.
type turn struct {
	text   string // typed
	choice string // a button pressed: "a|b" is the first of them the last keyboard offers
	phone  string // a contact shared
}

func say(text string) turn     { return turn{text: text} }
func press(choice string) turn { return turn{choice: choice} }
func share(phone string) turn  { return turn{phone: phone} }

// resident is a scripted Telegram user and what the oracle expects.
type resident struct {
	chat     int64
	lang     string // Telegram's language_code
	scenario string
	turns    []turn

	// Filled by oracle.expect:
	want     [][]wantMsg // messages each turn must bring
	pressed  []string    // the choice id pressed at each choice turn
	keyboard []int       // the message (1-based, per chat) whose button is pressed
	cases    int         // cases the conversation opens
	relays   int         // resident messages relayed to an open case
	caseTurn int         // the turn that opens the first case; -1: none
}

// wantMsg is one Telegram message as the resident sees it.
type wantMsg struct {
	text    string
	buttons []string // callback data "=" label
}

func (m wantMsg) String() string {
	if len(m.buttons) == 0 {
		return strconv.Quote(m.text)
	}
	return strconv.Quote(m.text) + " " + fmt.Sprint(m.buttons)
}

// scenario is a kind of conversation.
type scenario struct {
	name  string
	lang  string
	turns []turn
}

// scenarios are the conversations residents have: buttons, free text with
// searches, Ukrainian and English, invalid answers, and a share that asks
// for a person (chat or phone, with or without consent) or is in crisis,
// which opens a case.
var scenarios = []scenario{
	{"buttons", "pl", []turn{say("/start"), press("seniorzy"), press("bliski"), press("opieka_dom"), press("tak|koniec")}},
	{"free-text", "pl", []turn{say("Moja mama po udarze nie radzi sobie sama w domu"), press("tak|koniec")}},
	{"two-searches", "pl", []turn{say("nie mam gdzie spać"), press("inne|inaczej"), say("mąż pije, co robić"), press("tak|koniec")}},
	{"case-chat", "pl", []turn{say("/start"), say("mam długi i komornik zajął mi pensję"), press("osoba"), press("czat"), press("tak"), press("koniec")}},
	{"case-contact", "pl", []turn{say("chcę porozmawiać z człowiekiem"), press("telefon"), share("+48501234567"), press("nie")}},
	{"case-typed-phone", "pl", []turn{say("/czlowiek"), press("telefon"), say("501 234 567"), press("tak"), say("proszę o szybki kontakt")}},
	{"not-found", "pl", []turn{say("xyzzy plugh kwarkowy grzyb"), press("osoba"), press("czat"), press("tak")}},
	{"ukrainian", "uk", []turn{say("Мені нема де жити, допоможіть"), press("osoba"), press("czat"), press("tak")}},
	{"english", "en", []turn{say("/start"), say("/jezyk"), press("en"), press("rodzina"), press("ja"), press("swietlica"), press("tak|koniec")}},
	{"invalid-answers", "pl", []turn{say("/start"), press("kryzys"), press("ja"), say("może"), say("nie"), press("psychika"), press("osoba"), press("czat"), press("nie")}},
	{"help-restart", "pl", []turn{say("/pomoc"), press("praca"), press("ja"), press("wolontariat"), press("inne|inaczej"), say("/start"), press("pieniadze"), press("ja"), press("jedzenie"), press("tak|koniec")}},
	{"crisis", "pl", []turn{say("mąż mnie bije"), say("boję się wracać do domu")}},
	{"greeting-text", "pl", []turn{say("dzień dobry"), say("szukam pracy, jestem bezrobotny od roku"), press("tak|koniec")}},
}

// makeResidents makes n residents with chat ids from base, cycling through
// the scenarios.
func makeResidents(n int, base int64) []*resident {
	out := make([]*resident, n)
	for i := range out {
		sc := scenarios[i%len(scenarios)]
		out[i] = &resident{chat: base + int64(i), lang: sc.lang, scenario: sc.name, turns: sc.turns}
	}
	return out
}

// --- the oracle --------------------------------------------------------------

// oracleCaseID is the case id of the oracle's cases; actual ids are
// replaced by it before comparing.
const oracleCaseID = "000000000000"

// caseIDRE finds the case id in a reply ("nr K-4821" from the Redis
// counter, "nr 1a2b3c4d5e6f" from the engine's default, "№ …", "no. …").
var caseIDRE = regexp.MustCompile(`(nr |№ |no\. )(K-[0-9]+|[0-9a-f]{12})\b`)

// oracle is one in-process engine with an in-memory store and the same
// dialogs and catalogue as the replicas.
type oracle struct {
	eng  *bot.Engine
	desk *recordingDesk
	sc   *script.Script
	// seen keeps what a scenario brings, so that residents who follow the
	// same script are not run through the engine again: nothing in a
	// conversation depends on the chat id.
	seen map[string]*resident
}

func newOracle(t *testing.T, dialogsDir string) *oracle {
	t.Helper()
	var problems strings.Builder
	sc, err := loadScript(openDialogs(dialogsDir), stdio{err: &problems}, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, problems.String())
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat := catalogFlags{getenv: func(string) string { return "" }}
	ix, err := cat.index(stdio{err: &problems}, logger)
	if err != nil {
		t.Fatalf("%v\n%s", err, problems.String())
	}
	t.Cleanup(func() { ix.Close() })
	desk := &recordingDesk{}
	eng, err := bot.New(bot.Config{Script: sc, Store: memory.New(), Searcher: ix, Desk: desk, Logger: logger,
		NewID: func() string { return oracleCaseID }})
	if err != nil {
		t.Fatal(err)
	}
	return &oracle{eng: eng, desk: desk, sc: sc, seen: map[string]*resident{}}
}

// apology is the reply to a message the replicas could not handle (the
// session store down), in a language.
func (o *oracle) apology(lang string) string {
	return script.Render(o.sc.Message("unavailable", lang), func(name string) string {
		if name == "centre_phone" {
			return o.sc.Centre.Phone
		}
		return ""
	})
}

// expect runs a resident's conversation through the oracle and fills
// want, pressed, keyboard, cases and relays. A choice no keyboard offers
// is a mistake in the scenario.
func (o *oracle) expect(t *testing.T, r *resident) {
	t.Helper()
	if s, ok := o.seen[r.scenario+"/"+r.lang]; ok && slices.Equal(s.turns, r.turns) {
		r.want, r.pressed, r.keyboard = s.want, s.pressed, s.keyboard
		r.cases, r.relays, r.caseTurn = s.cases, s.relays, s.caseTurn
		return
	}
	defer func() { o.seen[r.scenario+"/"+r.lang] = r }()
	key := "telegram:" + strconv.FormatInt(r.chat, 10)
	var sent []wantMsg
	var choices [][]bot.Choice // of each sent message
	pressedMsg := map[int]bool{}
	r.want, r.pressed, r.keyboard = make([][]wantMsg, len(r.turns)), make([]string, len(r.turns)), make([]int, len(r.turns))
	r.caseTurn = -1
	for k, tu := range r.turns {
		m := bot.Message{Channel: "telegram", ChatID: strconv.FormatInt(r.chat, 10), EventID: "u" + strconv.Itoa(k), Language: r.lang}
		switch {
		case tu.choice != "":
			last := 0
			for i := len(sent); i > 0; i-- {
				if len(choices[i-1]) > 0 {
					last = i
					break
				}
			}
			if last == 0 || pressedMsg[last] {
				t.Fatalf("scenario %s, turn %d: no fresh keyboard to press %q", r.scenario, k, tu.choice)
			}
			for _, alt := range strings.Split(tu.choice, "|") {
				if slices.ContainsFunc(choices[last-1], func(c bot.Choice) bool { return c.ID == alt }) {
					r.pressed[k] = alt
					break
				}
			}
			if r.pressed[k] == "" {
				t.Fatalf("scenario %s, turn %d: the keyboard offers none of %q: %v", r.scenario, k, tu.choice, choices[last-1])
			}
			pressedMsg[last] = true
			r.keyboard[k] = last
			m.Choice, m.EventID = r.pressed[k], "cb:"+strconv.Itoa(last)
		case tu.phone != "":
			m.Phone = tu.phone
		default:
			m.Text = tu.text
		}
		opened, _ := o.desk.counts(key)
		events, err := o.eng.Handle(context.Background(), m)
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		if now, _ := o.desk.counts(key); now > opened && r.caseTurn < 0 {
			r.caseTurn = k
		}
		for _, ev := range events {
			if ev.Kind != bot.EventReply || ev.Reply == nil {
				continue
			}
			msg, ok := rendered(t, ev.Reply)
			if !ok {
				continue
			}
			r.want[k] = append(r.want[k], msg)
			sent = append(sent, msg)
			choices = append(choices, ev.Reply.Choices)
		}
	}
	r.cases, r.relays = o.desk.counts(key)
}

// rendered is the Telegram message of a reply, as bot/telegram renders
// it: the text trimmed ("👇" when only buttons), the choices as buttons.
func rendered(t *testing.T, r *bot.Reply) (wantMsg, bool) {
	text := strings.TrimSpace(r.Text)
	if text == "" && len(r.Choices) == 0 {
		return wantMsg{}, false
	}
	if text == "" {
		text = "👇"
	}
	if len(utf16.Encode([]rune(text))) > telegramtest.MaxTextLength {
		t.Fatalf("oracle: a reply longer than one Telegram message (teach the oracle to split): %.80q…", text)
	}
	m := wantMsg{text: text}
	for i, c := range r.Choices {
		label := strings.TrimSpace(c.Label)
		if label == "" {
			label = c.ID
		}
		data := c.ID
		if data == "" || len(data) > telegramtest.MaxCallbackDataSize || strings.HasPrefix(data, "=") {
			data = "=" + strconv.Itoa(i)
		}
		m.buttons = append(m.buttons, data+"="+label)
	}
	return m, true
}

// actual is a message the fake Telegram recorded, in the oracle's terms:
// the case id replaced by the oracle's. It returns the case id it found.
func actual(m telegramtest.Message) (wantMsg, string) {
	w := wantMsg{text: m.Text}
	var caseID string
	if sub := caseIDRE.FindStringSubmatch(m.Text); sub != nil {
		caseID = sub[2]
		w.text = caseIDRE.ReplaceAllString(m.Text, "${1}"+oracleCaseID)
	}
	for _, b := range m.Keyboard.Buttons() {
		w.buttons = append(w.buttons, b.CallbackData+"="+b.Text)
	}
	return w, caseID
}

// recordingDesk is the oracle's staff desk: it counts the cases opened and
// the messages relayed per conversation.
type recordingDesk struct {
	mu     sync.Mutex
	cases  map[string]int
	relays map[string]int
}

var _ bot.Desk = (*recordingDesk)(nil)

func (d *recordingDesk) Open(_ context.Context, c bot.Case) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cases == nil {
		d.cases = map[string]int{}
	}
	d.cases[c.Key]++
	return nil
}

func (d *recordingDesk) Relay(_ context.Context, ref bot.CaseRef, _ bot.Entry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.relays == nil {
		d.relays = map[string]int{}
	}
	d.relays[ref.Key]++
	return nil
}

func (d *recordingDesk) Erased(context.Context, bot.CaseRef) error { return nil }

func (d *recordingDesk) counts(key string) (cases, relays int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cases[key], d.relays[key]
}

// --- driving -------------------------------------------------------------------

// drive says how residents behave.
type drive struct {
	// typeAhead is the share of typed turns sent without waiting for the
	// replies to the previous turn (a resident typing fast). Button
	// presses always wait for the keyboard.
	typeAhead float64
	// redeliver is the share of updates delivered twice with the same
	// update_id to two different replicas: half of them after the first
	// delivery was answered, half at the same time.
	redeliver float64
	// retryApology: a turn answered with the apology (Redis down) is
	// tried again after a pause, as a resident would; otherwise the
	// apology stays a difference from the oracle.
	retryApology bool
	// timeout bounds the wait for one turn's replies.
	timeout time.Duration
	// turns picks the turns [from, to) a resident takes now; nil: all.
	turns func(*resident) (from, to int)
}

// driveStats counts what the residents did.
type driveStats struct {
	updates     atomic.Int64 // distinct updates
	deliveries  atomic.Int64 // webhook requests, redeliveries included
	redelivered atomic.Int64
	apologies   atomic.Int64 // turns answered with the apology and tried again
}

// converse drives one resident's conversation to its end and waits for
// every reply.
func (c *cluster) converse(ctx context.Context, o *oracle, r *resident, d drive, rng *rand.Rand, st *driveStats) error {
	from, to := 0, len(r.turns)
	if d.turns != nil {
		from, to = d.turns(r)
	}
	expected := 0 // messages the turns so far must bring
	for _, w := range r.want[:from] {
		expected += len(w)
	}
	apology := o.apology(r.lang)
	for k := from; k < to; k++ {
		tu := r.turns[k]
		if tu.choice != "" || d.retryApology || rng.Float64() >= d.typeAhead {
			if err := c.waitReplies(ctx, r.chat, expected, apology, d.timeout); err != nil {
				return fmt.Errorf("%s turn %d: %w", r.scenario, k, err)
			}
		}
		for attempt := 1; ; attempt++ {
			before := c.tg.Count(r.chat)
			id := c.update(r, k, apology)
			if err := c.deliver(ctx, id, d, rng, st); err != nil {
				return fmt.Errorf("%s turn %d: %w", r.scenario, k, err)
			}
			if !d.retryApology {
				break
			}
			// The first reply is the turn's, or the apology: then the
			// resident tries again a little later.
			if _, err := c.waitCount(ctx, r.chat, before+1, d.timeout); err != nil {
				return fmt.Errorf("%s turn %d (attempt %d): no reply at all: %w", r.scenario, k, attempt, err)
			}
			if c.tg.Sent(r.chat)[before].Text != apology {
				break
			}
			st.apologies.Add(1)
			if attempt == 30 {
				return fmt.Errorf("%s turn %d: still the apology after %d attempts", r.scenario, k, attempt)
			}
			time.Sleep(200 * time.Millisecond)
		}
		expected += len(r.want[k])
	}
	if err := c.waitReplies(ctx, r.chat, expected, apology, d.timeout); err != nil {
		return fmt.Errorf("%s: the last replies: %w", r.scenario, err)
	}
	return nil
}

// update makes the update of a resident's turn k and returns its id.
func (c *cluster) update(r *resident, k int, apology string) int {
	tu := r.turns[k]
	switch {
	case tu.choice != "":
		id, _ := c.tg.Press(r.chat, r.lang, c.messageID(r.chat, r.keyboard[k], apology), r.pressed[k])
		return id
	case tu.phone != "":
		return c.tg.AddUpdate(map[string]any{"message": c.tg.PrivateMessage(r.chat, r.lang, map[string]any{
			"contact": map[string]any{"phone_number": tu.phone, "first_name": "Resident", "user_id": r.chat}})})
	}
	return c.tg.PrivateText(r.chat, r.lang, tu.text)
}

// waitReplies waits until a chat has received at least n messages other
// than the apology.
func (c *cluster) waitReplies(ctx context.Context, chat int64, n int, apology string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got := 0
		if c.tg.Count(chat) >= n {
			for _, m := range c.tg.Sent(chat) {
				if m.Text != apology {
					got++
				}
			}
		}
		if got >= n {
			return nil
		}
		if err := c.running(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("got %d replies within %v, want %d", got, timeout, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// messageID finds the id of the oracle's k-th message (1-based) among the
// chat's messages, which may also hold apologies.
func (c *cluster) messageID(chat int64, k int, apology string) int {
	other := 0
	for _, m := range c.tg.Sent(chat) {
		if m.Text != apology {
			other++
		}
		if other == k {
			return m.MessageID
		}
	}
	return k
}

// waitCount waits until a chat has received at least n messages and
// returns how many it has.
func (c *cluster) waitCount(ctx context.Context, chat int64, n int, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		got := c.tg.Count(chat)
		if got >= n {
			return got, nil
		}
		if err := c.running(); err != nil {
			return got, err
		}
		if time.Now().After(deadline) {
			return got, fmt.Errorf("got %d messages within %v, want %d", got, timeout, n)
		}
		select {
		case <-ctx.Done():
			return got, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// deliver posts an update through the proxy as Telegram would, and for a
// share of updates posts it again to another replica.
func (c *cluster) deliver(ctx context.Context, id int, d drive, rng *rand.Rand, st *driveStats) error {
	st.updates.Add(1)
	n := len(c.replicas)
	post := func(target string) (http.Header, error) {
		st.deliveries.Add(1)
		status, hdr, err := c.tg.DeliverTo(ctx, c.client, target, id)
		if err != nil {
			return nil, fmt.Errorf("update %d: %w", id, err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("update %d: status %d", id, status)
		}
		return hdr, nil
	}
	direct := func(i int) string { return "http://" + c.replicas[i].addr + clusterHookPath }
	x := rng.Float64()
	switch {
	case n > 1 && x < d.redeliver/2:
		// Two replicas receive it at the same time.
		st.redelivered.Add(1)
		a := rng.IntN(n)
		b := (a + 1 + rng.IntN(n-1)) % n
		errs := make(chan error, 2)
		for _, i := range []int{a, b} {
			go func() { _, err := post(direct(i)); errs <- err }()
		}
		return errors.Join(<-errs, <-errs)
	case n > 1 && x < d.redeliver:
		// Telegram did not see the answer and delivers it again, this
		// time to another replica.
		st.redelivered.Add(1)
		hdr, err := post(c.proxy.URL + clusterHookPath)
		if err != nil {
			return err
		}
		first, err := strconv.Atoi(hdr.Get(replicaHeader))
		if err != nil {
			return fmt.Errorf("update %d: the proxy did not name the replica", id)
		}
		_, err = post(direct((first + 1) % n))
		return err
	default:
		_, err := post(c.proxy.URL + clusterHookPath)
		return err
	}
}

// converseAll drives residents, at most concurrency at once, and returns
// the errors of the conversations that failed.
func (c *cluster) converseAll(ctx context.Context, o *oracle, residents []*resident, concurrency int, d drive, seed uint64, st *driveStats) []error {
	sem := make(chan struct{}, concurrency)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, r := range residents {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			rng := rand.New(rand.NewPCG(seed, uint64(r.chat)))
			if err := c.converse(ctx, o, r, d, rng, st); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("chat %d: %w", r.chat, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// --- checks ----------------------------------------------------------------------

// checkTranscripts compares what each resident received (apologies left
// out when skipApologies) with the oracle: every reply once, in order. It
// returns the case ids residents were told, by chat.
func (c *cluster) checkTranscripts(t *testing.T, o *oracle, residents []*resident, skipApologies bool) map[int64][]string {
	t.Helper()
	all := c.tg.SentTo()
	cases := map[int64][]string{}
	bad := 0
	for _, r := range residents {
		var got []wantMsg
		apology := o.apology(r.lang)
		for _, m := range all[r.chat] {
			if skipApologies && m.Text == apology {
				continue
			}
			w, id := actual(m)
			if id != "" {
				cases[r.chat] = append(cases[r.chat], id)
			}
			got = append(got, w)
		}
		var want []wantMsg
		for _, w := range r.want {
			want = append(want, w...)
		}
		if diff := firstDifference(got, want); diff != "" {
			bad++
			if bad <= 5 {
				t.Errorf("chat %d (%s, %s): %s", r.chat, r.scenario, r.lang, diff)
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more chats differ from the oracle", bad-5)
	}
	return cases
}

// firstDifference describes where got differs from want, or "".
func firstDifference(got, want []wantMsg) string {
	key := func(ms []wantMsg) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.String()
		}
		slices.Sort(out)
		return out
	}
	reordered := ""
	if len(got) == len(want) && slices.Equal(key(got), key(want)) {
		reordered = "the right messages in the wrong order: "
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d messages, want %d; missing #%d: %s", len(got), len(want), i+1, want[i])
		case i >= len(want):
			return fmt.Sprintf("%d messages, want %d; extra #%d: %s", len(got), len(want), i+1, got[i])
		case got[i].text != want[i].text || !slices.Equal(got[i].buttons, want[i].buttons):
			return fmt.Sprintf("%smessage #%d is %s, want %s", reordered, i+1, got[i], want[i])
		}
	}
	return ""
}

// cards counts the case cards in the staff channel by case id, and the
// messages in their threads.
func (c *cluster) cards() (cards map[string]int, threads int) {
	cards = map[string]int{}
	for _, p := range c.slack.Posts() {
		if p.Channel != clusterChannel {
			continue
		}
		if p.ThreadTS != "" {
			threads++
			continue
		}
		for _, b := range p.Buttons() {
			if b.ActionID == "okienko_claim" {
				cards[b.Value]++
				break
			}
		}
	}
	return cards, threads
}

// waitOutboxEmpty waits until the Slack outbox the replicas share holds
// no entry (okienko_slack_outbox_backlog 0 on a running replica's
// /metrics): every entry was delivered and acknowledged.
func (c *cluster) waitOutboxEmpty(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, r := range c.replicas {
			if done, _ := r.exited(); done {
				continue
			}
			res, err := c.client.Get("http://" + r.addr + "/metrics")
			if err != nil {
				continue
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains("\n"+string(page), "\nokienko_slack_outbox_backlog 0\n") {
				return
			}
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the Slack outbox was not empty within %v", timeout)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkCards waits until Slack has a card for every case the oracle
// expects and every relayed message in a thread, then checks that
// each case residents were told of has exactly one card and nothing came
// twice. It returns how long Slack took to catch up.
func (c *cluster) checkCards(t *testing.T, residents []*resident, told map[int64][]string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	wantCases, wantRelays := 0, 0
	for _, r := range residents {
		wantCases += r.cases
		wantRelays += r.relays
	}
	deadline := time.Now().Add(timeout)
	var cards map[string]int
	var threads int
	for {
		cards, threads = c.cards()
		if len(cards) >= wantCases && threads >= wantRelays {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("within %v Slack got cards for %d cases and %d thread messages, want %d and %d", timeout, len(cards), threads, wantCases, wantRelays)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	// Anything posted twice would come from an entry still in the outbox:
	// wait until it is empty (all replicas share it), not a fixed time.
	c.waitOutboxEmpty(t, timeout)
	cards, threads = c.cards()
	if len(cards) != wantCases {
		t.Errorf("Slack has cards for %d cases, want %d", len(cards), wantCases)
	}
	if threads != wantRelays {
		t.Errorf("Slack has %d messages in case threads, want %d", threads, wantRelays)
	}
	for id, n := range cards {
		if n != 1 {
			t.Errorf("case %s: %d cards, want 1", id, n)
		}
	}
	for chat, ids := range told {
		for _, id := range ids {
			if cards[id] == 0 {
				t.Errorf("chat %d was told of case %s, which has no card in Slack", chat, id)
			}
		}
	}
	return took
}
