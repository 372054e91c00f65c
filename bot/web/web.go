// Package web is Okienko's web chat channel: an accessible chat page for
// the Centre's website, and a widget (one script tag) that opens it in a
// panel on any page of that site. Residents talk to the same engine, with
// the same sessions and handoff to staff, as on Telegram.
//
// The page is plain HTML, CSS and JavaScript embedded in the binary (no
// build step, no third-party CDN), in Polish, Ukrainian and English. It
// posts each message to the API and renders the engine's replies; replies
// that come later (staff answering from Slack) reach it over server-sent
// events through a Mailbox, so that any replica can deliver them.
//
// Security: a random session cookie (HttpOnly, SameSite, Secure behind TLS)
// from which the engine's chat id is derived with an HMAC, so that neither
// Redis keys nor staff cards show it, and which is replaced when the
// resident erases the conversation (the next person at a shared computer
// starts afresh); a CSRF token bound to the session and
// an Origin check on every POST; a strict Content-Security-Policy (no
// inline scripts or styles); a per-client rate limit; a message size limit
// answered in the resident's language. Logs never carry message text.
//
// Retries: the page resends a message whose answer it did not get with the
// same id. The engine applies it once and answers the repeat with nothing,
// so the chat keeps each answer for a few minutes in process memory and
// answers a repeat from there. A repeat that lands on another replica (or
// comes later) still gets an empty answer; the page then tells the
// resident that the message already arrived.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"okienko/bot"
	"okienko/bot/script"
)

// Channel is the bot.Message channel of web chats.
const Channel = "web"

// Handler is what the chat needs from the conversation engine
// (*bot.Engine): replies for a resident's message. A redelivered EventID
// yields no events; on failure it may return an apology together with an
// error, and the apology is still shown.
type Handler interface {
	Handle(ctx context.Context, m bot.Message) ([]bot.Event, error)
}

// ConversationChecker reports whether the conversation key (a
// bot.Message.Key) exists. *bot.Engine implements it.
type ConversationChecker interface {
	HasConversation(ctx context.Context, key string) (bool, error)
}

// Mailbox carries replies to a conversation's open pages, whichever replica
// serves them, and keeps them for a while for a page opened later.
// Conversations are named by their bot.Message.Key. Implementations: the
// in-process MemoryMailbox (one process) and *redis.Mailbox (replicas).
type Mailbox interface {
	// Post appends data for chat and returns its id; ids grow.
	Post(ctx context.Context, chat string, data []byte) (id string, err error)
	// Watch calls deliver with every entry after the id after (all kept
	// when after is "" or unknown), oldest first, then with each new one,
	// until ctx ends (returning nil) or deliver or the mailbox fails.
	Watch(ctx context.Context, chat, after string, deliver func(id string, data []byte) error) error
	// Forget deletes what is kept for chat.
	Forget(ctx context.Context, chat string) error
}

// The paths the chat serves. The API and assets have prefixes of their own
// so that the chat can share a server with health checks, metrics and
// webhooks.
const (
	PathPage    = "/"
	PathChat    = "/chat"
	PathWidget  = "/widget.js"
	PathAssets  = "/assets/"
	PathAPI     = "/api/chat/"
	pathMessage = PathAPI + "messages"
	pathSession = PathAPI + "session"
	pathEvents  = PathAPI + "events"
)

// Config configures the chat. Every field has a default.
type Config struct {
	// Secret derives chat ids and CSRF tokens from session cookies: at
	// least 16 bytes (32 random bytes recommended). All replicas need the
	// same one, and it must stay the same across restarts for
	// conversations to continue. Empty: random for this process.
	Secret []byte
	// MaxMessageChars bounds a message, in characters (not bytes: Polish
	// and Ukrainian letters take two). Default 2000, the engine's own
	// limit.
	MaxMessageChars int
	// RatePerMinute and RateBurst limit the messages one client (IP
	// address; IPv6 by /64) may post: a burst, then RatePerMinute.
	// Defaults 20 and 8.
	RatePerMinute float64
	RateBurst     int
	// ProxyHops is how many reverse proxies in front of the server append
	// to X-Forwarded-For: the client is the address that many entries from
	// the right. 0 (default): the header is ignored and the peer address
	// counts, since anyone can send the header (a warning is logged once
	// when it comes from a loopback or private address: a proxy, most
	// likely, and then every resident shares its limits).
	ProxyHops int
	// PublicURL is the chat's public address ("https://czat.cus.example.pl").
	// When it is https, the session cookie is always Secure with the
	// __Host- prefix, even when a proxy that terminates TLS does not say so
	// (X-Forwarded-Proto), and pages from that origin may post even when
	// the proxy passes on another Host. Default: none; each request tells.
	PublicURL string
	// AllowedOrigins are the sites ("https://www.cus.example.pl") that may
	// embed the chat in a frame (the widget) and post to it. The page's own
	// origin is always allowed. With any set, the session cookie of a
	// request over TLS is SameSite=None and Partitioned, so that the chat
	// works in a frame on another site.
	AllowedOrigins []string
	// Mailbox carries staff replies to open pages. Default: a
	// MemoryMailbox, right for one process only.
	Mailbox Mailbox
	// Centre names the Centre and its phone on the page (e.g. from the
	// dialog script: func() script.Centre { return eng.Script().Centre }).
	// Default: none shown.
	Centre func() script.Centre
	// HandleTimeout bounds the engine's work on one message. Default 10 s.
	HandleTimeout time.Duration
	// SendTimeout bounds one Send. Default 5 s.
	SendTimeout time.Duration
	// Heartbeat is how often an idle event stream gets a comment, so that
	// proxies keep it open. Default 20 s.
	Heartbeat time.Duration
	// StreamLifetime ends an event stream after this long (the page
	// reconnects at once, maybe to another replica). Default 30 min.
	StreamLifetime time.Duration
	// MaxStreamsPerClient bounds the event streams one client holds open.
	// Default 16.
	MaxStreamsPerClient int
	// MaxStreamsPerSession bounds the event streams one browser session
	// (one conversation, in all its tabs) holds open. Default 4.
	MaxStreamsPerSession int
	// MaxStreams bounds the event streams open on this process in all, so
	// that many clients cannot take all its connections and memory; it is
	// checked before the per-client bound. Default 2000.
	MaxStreams int
	// Conversations tells whether a conversation exists (a message of it
	// was handled and it was not erased or expired): event streams are
	// opened only for those, so that a client cannot take the streams with
	// made-up sessions. Default: the Handler, if it has the method
	// (bot.Engine does); else any session with the page's token may
	// listen.
	Conversations ConversationChecker
	// SessionLifetime is how long the session cookie lasts after the page
	// was last opened. Default 30 days, so that a resident waiting for
	// staff finds the conversation again.
	SessionLifetime time.Duration
	// Clock tells the time for rate limits. Default time.Now.
	Clock bot.Clock
	// Logger gets structured logs: never message text, cookies or chat ids.
	// Default slog.Default().
	Logger *slog.Logger
}

// Chat is the web chat channel: an http.Handler for the page, widget,
// assets and API, and the way to reach a web resident outside a turn
// (Send).
type Chat struct {
	cfg     Config
	h       Handler
	log     *slog.Logger
	mux     *http.ServeMux
	limiter *rateLimiter
	streams *streamCounter
	page    *template.Template
	assets  map[string]*asset
	version string
	origins map[string]bool // AllowedOrigins, normalized
	csp     string
	answers *answerMemory
	// publicOrigin is PublicURL's origin, normalized; publicTLS: it is
	// https.
	publicOrigin string
	publicTLS    bool
	proxyWarning sync.Once
	// life ends when Run's context does: open event streams end with it,
	// so that the HTTP server's graceful shutdown need not wait for them.
	life context.Context
	stop context.CancelFunc
}

// New checks the config, fills defaults and returns the chat.
func New(cfg Config, h Handler) (*Chat, error) {
	if h == nil {
		return nil, errors.New("new web chat: no handler")
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = bot.RandomBytes(32)
	} else if len(cfg.Secret) < 16 {
		return nil, errors.New("new web chat: the secret is too short: use at least 16 bytes (e.g. openssl rand -hex 32)")
	}
	if cfg.MaxMessageChars <= 0 {
		cfg.MaxMessageChars = 2000
	}
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = 20
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 8
	}
	if cfg.ProxyHops < 0 {
		return nil, fmt.Errorf("new web chat: proxy hops %d: must be 0 or more", cfg.ProxyHops)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Mailbox == nil {
		cfg.Mailbox = NewMemoryMailbox(MemoryMailboxConfig{Clock: cfg.Clock})
	}
	if cfg.Centre == nil {
		cfg.Centre = func() script.Centre { return script.Centre{} }
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = 10 * time.Second
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 5 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 20 * time.Second
	}
	if cfg.StreamLifetime <= 0 {
		cfg.StreamLifetime = 30 * time.Minute
	}
	if cfg.MaxStreamsPerClient <= 0 {
		cfg.MaxStreamsPerClient = 16
	}
	if cfg.MaxStreamsPerSession <= 0 {
		cfg.MaxStreamsPerSession = 4
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 2000
	}
	if cc, ok := h.(ConversationChecker); ok && cfg.Conversations == nil {
		cfg.Conversations = cc
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = 30 * 24 * time.Hour
	}
	c := &Chat{
		cfg:     cfg,
		h:       h,
		log:     cfg.Logger,
		limiter: newRateLimiter(cfg.RatePerMinute/60, cfg.RateBurst, cfg.Clock),
		streams: &streamCounter{max: cfg.MaxStreamsPerClient, maxSession: cfg.MaxStreamsPerSession, maxTotal: cfg.MaxStreams, open: map[string]int{}, sessions: map[string]int{}},
		origins: map[string]bool{},
		answers: newAnswerMemory(cfg.Clock, answerTTL, answerCap),
	}
	if cfg.PublicURL != "" {
		norm, err := normalizeOrigin(cfg.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("new web chat: public URL %q: %w", cfg.PublicURL, err)
		}
		c.publicOrigin = norm
		c.publicTLS = strings.HasPrefix(norm, "https://")
	}
	for _, o := range cfg.AllowedOrigins {
		norm, err := normalizeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("new web chat: allowed origin %q: %w", o, err)
		}
		c.origins[norm] = true
	}
	c.csp = contentSecurityPolicy(cfg.AllowedOrigins, c.origins)
	c.life, c.stop = context.WithCancel(context.Background())
	if err := c.loadAssets(); err != nil {
		return nil, fmt.Errorf("new web chat: %w", err)
	}
	c.mux = http.NewServeMux()
	c.Register(c.mux)
	return c, nil
}

// Register adds the chat's routes to mux: the page at / and /chat, the
// widget, the assets and the API. Use it instead of mounting the Chat at
// "/" when another handler needs "/" for other methods.
func (c *Chat) Register(mux *http.ServeMux) {
	// Each route sets HSTS itself: okienko serve mounts the routes on its
	// own mux, without ServeHTTP.
	handle := func(pattern string, f http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			c.setHSTS(w, r)
			f(w, r)
		})
	}
	handle("GET "+PathPage+"{$}", c.servePage)
	handle("GET "+PathChat, c.servePage)
	handle("GET "+PathWidget, c.serveAsset)
	handle("GET "+PathAssets+"{name}", c.serveAsset)
	handle("POST "+pathMessage, c.serveMessage)
	handle("GET "+pathSession, c.serveSession)
	handle("GET "+pathEvents, c.serveEvents)
}

// ServeHTTP serves the page, widget, assets and API, and 404 for anything
// else.
func (c *Chat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.setHSTS(w, r)
	c.mux.ServeHTTP(w, r)
}

// setHSTS sets Strict-Transport-Security over TLS (the public address is
// https, or the request says so): browsers must not come back over plain
// HTTP for a year, where the session cookie and the conversation could be
// read.
func (c *Chat) setHSTS(w http.ResponseWriter, r *http.Request) {
	if c.secure(r) {
		w.Header().Set("Strict-Transport-Security", "max-age="+strconv.Itoa(hstsMaxAge))
	}
}

// hstsMaxAge is Strict-Transport-Security's max-age: a year, in seconds.
const hstsMaxAge = 365 * 24 * 3600

// Run waits until ctx ends, then ends the open event streams (pages
// reconnect, to another replica or once the server is back) and ends new
// ones at once, telling the browser to try again in a few seconds, so
// that the HTTP server's graceful shutdown does not wait for streams that
// never go idle. Run it next to the server.
func (c *Chat) Run(ctx context.Context) error {
	<-ctx.Done()
	c.stop()
	return nil
}

// chatIDRE matches the chat ids this channel derives.
var chatIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Send delivers a reply to a web resident outside a conversation turn — a
// member of staff answering from Slack, say. chatID is the ChatID of the
// conversation's bot.Message. The reply reaches the resident's open pages
// at once, on whichever replica they are connected, or the next time they
// open the chat while the mailbox keeps it.
func (c *Chat) Send(chatID string, r bot.Reply) error {
	if !chatIDRE.MatchString(chatID) {
		return errors.New("send to web chat: the chat id is not a web chat id")
	}
	if r.Text == "" && len(r.Choices) == 0 {
		return errors.New("send to web chat: empty reply")
	}
	r.Spans = nil // the web chat shows plain text: its API carries no formatting
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("send to web chat: encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.SendTimeout)
	defer cancel()
	key := bot.Message{Channel: Channel, ChatID: chatID}.Key()
	if _, err := c.cfg.Mailbox.Post(ctx, key, data); err != nil {
		return fmt.Errorf("send to web chat: %w", err)
	}
	return nil
}

// normalizeOrigin checks an origin ("https://host[:port]") and returns it
// in lower case without a trailing slash.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(o), "/"))
	if err != nil {
		return "", errors.New("not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("want scheme://host[:port], e.g. https://www.cus.example.pl")
	}
	if strings.ContainsAny(u.Host, " ;,'\"") {
		return "", errors.New("bad host")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}
