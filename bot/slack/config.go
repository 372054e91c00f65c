package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// Config configures the desk. BotToken, SigningSecret (unless only Socket
// Mode is used) and Channel are required.
type Config struct {
	// BotToken is the bot's xoxb- token. It never appears in logs.
	BotToken string
	// SigningSecret verifies Events API and interactivity requests. It is
	// required for EventsHandler and InteractivityHandler.
	SigningSecret string
	// AppToken is the app-level xapp- token for Socket Mode (RunSocketMode),
	// for deployments without a public URL.
	AppToken string
	// Channel is the id of the staff channel: cards are posted there, and
	// only its members may claim, reply to and close cases.
	Channel string
	// OnDutyGroup is the id of the user group (S…) mentioned on urgent
	// cases. Empty: nobody is mentioned.
	OnDutyGroup string
	// SupervisorGroup is the id of the user group (S…) whose members may
	// take over a case another organizer holds (after a confirmation), e.g.
	// when the holder went off shift. Empty: nobody can take over; the
	// holder can still transfer or release the case.
	SupervisorGroup string
	// ReplyPrefix marks a thread reply meant for the resident: a reply by
	// the case holder starting with it is relayed (without the prefix);
	// every other thread reply is an internal note. Default ">>".
	ReplyPrefix string
	// ShowStaffName tells the resident the first name of the organizer
	// (from users.info). nil means true; point it at false to say only
	// "a person".
	ShowStaffName *bool
	// ClaimReminder is how long a case may wait unclaimed before a reminder
	// is posted in the channel. Default 10 minutes.
	ClaimReminder time.Duration
	// OfferPhoneAfter is how long a case may wait unclaimed before the
	// engine is told (StaffUnclaimed) to offer the resident the phone.
	// Default 30 minutes.
	OfferPhoneAfter time.Duration
	// QuietAfter is how long a claimed case may go without activity (a
	// resident's message, a staff reply relayed, a claim or transfer)
	// before the morning round lists it with its holder, so that a case
	// left by someone off sick or on leave is noticed. Default 24 hours
	// (at the opening: nothing since the previous opening); negative: quiet
	// cases are not listed.
	QuietAfter time.Duration
	// CheckEvery is how often waiting cases are checked. Default 1 minute.
	CheckEvery time.Duration
	// APIURL is the Web API base URL ending in "/". Default Slack's; tests
	// and self-hosted proxies point it elsewhere.
	APIURL string
	// HTTPClient makes the Web API calls. Default: a client with a 15 s
	// timeout.
	HTTPClient *http.Client
	// Consumer names this replica in the outbox's consumer group. Default:
	// host name plus a random suffix, unique per process.
	Consumer string
	// ReadBlock is how long one outbox read waits for work (and so how long
	// stopping may wait for it: a blocking read ignores cancellation).
	// Default 1 s.
	ReadBlock time.Duration
	// MinIdle is how long an entry stays pending (its consumer crashed, or
	// Slack failed) before it is handed out again. Default 1 minute.
	MinIdle time.Duration
	// MaxRetryAfter caps the wait after one 429. Default 2 minutes.
	MaxRetryAfter time.Duration
	// RecordRetry is how long recording a delivery (a posted mark, an
	// acknowledgement) in Redis is tried before it is given up. Default 5 s.
	RecordRetry time.Duration
	// DrainTimeout bounds the delivery of what the outbox still holds when
	// Run is asked to stop (graceful shutdown). Default 10 s.
	DrainTimeout time.Duration
	// MembersTTL is how long the staff channel's member list is cached.
	// Default 3 minutes.
	MembersTTL time.Duration
	// NamesTTL is how long staff first names are cached. Default 1 hour.
	NamesTTL time.Duration
	// MaxBodyBytes bounds a request's body. Default 1 MiB.
	MaxBodyBytes int64
	// Workers bounds the requests processed at once after they were
	// acknowledged. Default 16.
	Workers int
	// Clock tells the time for reminders and timeouts. Default time.Now.
	Clock bot.Clock
	// OpenAt tells whether staff are at work at a time (bot.Engine.OpenAt).
	// At the first check of each day within office hours, cases still
	// waiting unclaimed are listed once in the channel (the morning round),
	// so that what came in the evening or was left at the end of the day
	// is not missed. nil: no morning round.
	OpenAt func(time.Time) bool
	// Logger gets structured logs: case ids, Slack methods and error codes
	// — never message text, names, phone numbers or tokens. Default
	// slog.Default().
	Logger *slog.Logger
}

// StaffHandler takes staff actions on cases (claim, a message for the
// resident, close, return, unclaimed timeout) to the resident's
// conversation and delivers what comes of them to the resident's channel.
// bot.StaffRelay implements it; an error means the resident was not
// reached, and the desk tells the organizer.
type StaffHandler interface {
	Staff(ctx context.Context, ev bot.StaffEvent) error
}

// Deps are the parts the desk drives. bot/redis implements the outbox and,
// in one type (redis.CaseBook), the case book's three ports.
type Deps struct {
	Staff  StaffHandler
	Outbox desk.Outbox
	Cases  desk.Cases // the actions' handlers: records, claims, transfers
	Queue  desk.Queue // the watch over unclaimed cases
	Marks  desk.Marks // once-only deliveries: posted entries, relayed staff messages
	// Files fetches the files residents send from their channel
	// (bot.StaffRelay); nil: staff are told a file came but not shown it.
	Files FileSource
}

// FileSource fetches a file a resident sent, by their conversation key and
// the channel's file id. The caller closes the body.
type FileSource interface {
	FetchFile(ctx context.Context, key, fileID string) (io.ReadCloser, error)
}

func (cfg Config) withDefaults() (Config, error) {
	if strings.TrimSpace(cfg.BotToken) == "" {
		return cfg, errors.New("no bot token")
	}
	if strings.TrimSpace(cfg.Channel) == "" {
		return cfg, errors.New("no staff channel")
	}
	if cfg.SigningSecret == "" && cfg.AppToken == "" {
		return cfg, errors.New("no signing secret (Events API) and no app token (Socket Mode)")
	}
	if cfg.ReplyPrefix == "" {
		cfg.ReplyPrefix = ">>"
	}
	if cfg.ShowStaffName == nil {
		t := true
		cfg.ShowStaffName = &t
	}
	if cfg.ClaimReminder <= 0 {
		cfg.ClaimReminder = 10 * time.Minute
	}
	if cfg.OfferPhoneAfter <= 0 {
		cfg.OfferPhoneAfter = 30 * time.Minute
	}
	if cfg.QuietAfter == 0 {
		cfg.QuietAfter = 24 * time.Hour
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = time.Minute
	}
	if cfg.APIURL == "" {
		cfg.APIURL = slackapi.APIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Consumer == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "okienko"
		}
		cfg.Consumer = host + "-" + bot.RandomID(4)
	}
	if cfg.ReadBlock <= 0 {
		cfg.ReadBlock = time.Second
	}
	if cfg.MinIdle <= 0 {
		cfg.MinIdle = time.Minute
	}
	if cfg.RecordRetry <= 0 {
		cfg.RecordRetry = 5 * time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = 2 * time.Minute
	}
	if cfg.MembersTTL <= 0 {
		cfg.MembersTTL = 3 * time.Minute
	}
	if cfg.NamesTTL <= 0 {
		cfg.NamesTTL = time.Hour
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

// newClient builds the Web API client. slack-go's own logger is silenced:
// in debug mode it would print requests, and with them tokens and text.
func newClient(cfg Config) *slackapi.Client {
	opts := []slackapi.Option{
		slackapi.OptionAPIURL(cfg.APIURL),
		slackapi.OptionHTTPClient(cfg.HTTPClient),
		slackapi.OptionLog(log.New(io.Discard, "", 0)),
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	return slackapi.New(cfg.BotToken, opts...)
}

func configError(err error) error { return fmt.Errorf("new slack desk: %w", err) }
