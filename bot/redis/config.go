package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
)

// Defaults used when a Config field is left zero.
const (
	DefaultIdleTTL             = 24 * time.Hour
	DefaultClosedCaseRetention = 30 * 24 * time.Hour
	DefaultPrefix              = "okienko"
	// DefaultOpTimeout bounds one Redis command. Sized from a measurement:
	// TestServeThreeReplicas under -race on 2 cores shared with a load of
	// 15-18 took up to 2.5 s for a whole message (load and save, search
	// included; 10 % over 1 s), so the former 1 s (2 s for the message)
	// turned a busy CPU into apologies. A Redis that refuses connections
	// still fails at once; only one that does not answer is waited for.
	DefaultOpTimeout = 3 * time.Second
	// DefaultSeenIDs is how many applied event ids are remembered per chat.
	// Channels redeliver only events they saw unacknowledged (Telegram
	// holds a chat's next update until the previous one is answered; Slack
	// retries within minutes), by which time a chat has had a few more at
	// most. 16 tags add about 200 bytes to a session; measured, 64 made the
	// store's JSON work the bottleneck at 32 concurrent chats.
	DefaultSeenIDs = 16
	// DefaultPipelines: a further batch opens only while the latest one is
	// late (see batcher), so this bounds how many stuck batches commands
	// go around; 4 keeps a command from waiting behind a slow batch.
	DefaultPipelines = 4
)

// Config says where Redis is and how long conversation data is kept.
//
// Exactly one of URL and Addrs is used:
//   - URL: one server, "redis://[user:password@]host:port[/db]", or
//     "rediss://…" for TLS;
//   - Addrs with MasterName: Sentinel addresses and the monitored master;
//   - Addrs with two or more entries (or Cluster set): Redis Cluster seed
//     nodes. Username, Password, DB and TLS apply to these forms.
type Config struct {
	URL        string
	Addrs      []string
	MasterName string
	Cluster    bool // Cluster mode with a single seed address
	Username   string
	Password   string
	// SentinelPassword authenticates to the Sentinels, if they need it.
	SentinelPassword string
	DB               int         // not available in Cluster
	TLS              *tls.Config // TLS for Addrs forms; rediss:// sets it for URL

	// IdleTTL is how long a conversation is kept after its last message.
	// While a handoff case is open the session does not expire.
	IdleTTL time.Duration
	// ClosedCaseRetention is how long the other keys of a conversation
	// (case routing and the like) are kept after its case is closed.
	ClosedCaseRetention time.Duration
	// Prefix starts every key, so several deployments can share a Redis.
	Prefix string
	// OpTimeout bounds every call to Redis, so that a Redis that is down or
	// slow fails fast and the engine can still apologise in time.
	OpTimeout time.Duration
	// SeenIDs is how many applied event ids are kept per chat (as 12-digit
	// tags in the session).
	SeenIDs int
	// Pipelines is how many batches of concurrent messages' Load and Save
	// commands may be in flight at once (default DefaultPipelines; more
	// than one only while the latest is late); negative: every command
	// goes alone. See batcher.
	Pipelines int
	Clock     bot.Clock // default time.Now; dates case records
	// Logger receives reports of unreadable values; default slog.Default().
	// go-redis has one global logger: it is set to the Logger of the first
	// Store created, at level Warn.
	Logger *slog.Logger
}

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.IdleTTL == 0 {
		c.IdleTTL = DefaultIdleTTL
	}
	if c.ClosedCaseRetention == 0 {
		c.ClosedCaseRetention = DefaultClosedCaseRetention
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.OpTimeout == 0 {
		c.OpTimeout = DefaultOpTimeout
	}
	if c.SeenIDs == 0 {
		c.SeenIDs = DefaultSeenIDs
	}
	if c.Pipelines == 0 {
		c.Pipelines = DefaultPipelines
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch {
	case c.IdleTTL < time.Millisecond:
		return c, fmt.Errorf("idle TTL %v: must be at least 1ms", c.IdleTTL)
	case c.ClosedCaseRetention < time.Millisecond:
		return c, fmt.Errorf("closed case retention %v: must be at least 1ms", c.ClosedCaseRetention)
	case c.OpTimeout < 0:
		return c, fmt.Errorf("operation timeout %v: must be positive", c.OpTimeout)
	case c.SeenIDs < 1:
		return c, fmt.Errorf("seen ids %d: must be at least 1", c.SeenIDs)
	case !validPrefix(c.Prefix):
		return c, fmt.Errorf("prefix %q: use letters, digits, '_', '-', '.' or ':'", c.Prefix)
	case c.URL != "" && len(c.Addrs) > 0:
		return c, errors.New("both URL and Addrs are set: use one")
	case c.URL == "" && len(c.Addrs) == 0:
		return c, errors.New("no Redis address: set URL or Addrs")
	}
	return c, nil
}

// clientOptions turns the config into go-redis options: one server,
// Sentinel or Cluster.
func (c Config) clientOptions() (*goredis.UniversalOptions, error) {
	o := &goredis.UniversalOptions{
		Addrs:            c.Addrs,
		MasterName:       c.MasterName,
		IsClusterMode:    c.Cluster,
		Username:         c.Username,
		Password:         c.Password,
		SentinelPassword: c.SentinelPassword,
		DB:               c.DB,
		TLSConfig:        c.TLS,
	}
	if c.URL != "" {
		u, err := goredis.ParseURL(c.URL)
		if err != nil {
			// go-redis errors do not repeat the URL, so the password stays out.
			return nil, fmt.Errorf("parse Redis URL: %w", err)
		}
		o.Addrs = []string{u.Addr}
		o.Username, o.Password, o.DB, o.TLSConfig = u.Username, u.Password, u.DB, u.TLSConfig
		o.MasterName, o.IsClusterMode = "", false
	}
	// Every call is bounded by OpTimeout through its context; the socket
	// timeouts are the same so that a silent server cannot hold a call longer.
	o.ContextTimeoutEnabled = true
	o.DialTimeout = c.OpTimeout
	o.ReadTimeout = c.OpTimeout
	o.WriteTimeout = c.OpTimeout
	o.PoolTimeout = c.OpTimeout
	// Fail fast when Redis is down: one retry of a command (a connection that
	// died while idle) and one dial attempt, instead of 3 and 5.
	o.MaxRetries = 1
	o.DialerRetries = 1
	o.DisableIdentity = true // CLIENT SETINFO is unknown to older servers and miniredis
	return o, nil
}

func validPrefix(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' || r == ':') {
			return false
		}
	}
	return p != ""
}

// slogAdapter routes go-redis's own log lines to slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	a.log.WarnContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

var setLoggerOnce sync.Once

func routeLibraryLogs(l *slog.Logger) {
	setLoggerOnce.Do(func() { goredis.SetLogger(slogAdapter{l}) })
}
