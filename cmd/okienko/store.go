package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"okienko/bot/redis"
)

// storeFlags choose where conversation state is kept: a Redis named by
// --redis or the environment, else an embedded in-memory server. Shared by
// the subcommands that talk to residents (chat, serve).
type storeFlags struct {
	url    string
	getenv func(string) string // settings lookup; nil: the environment
}

func (f *storeFlags) register(fl *flag.FlagSet) {
	// The default is not taken from OKIENKO_REDIS_URL here, so that -h never
	// prints a password from the environment.
	fl.StringVar(&f.url, "redis", "", "Redis URL for conversation state: redis://[user:password@]host:port[/db] or rediss://... (env OKIENKO_REDIS_URL; default: an embedded in-memory server)")
}

// sessionStore is the open session store and the embedded server behind
// it, if any.
type sessionStore struct {
	*redis.Store
	embedded *redis.Embedded
	where    string // the server, without credentials, for messages
}

// Close closes the store, then the embedded server.
func (s *sessionStore) Close() {
	if err := s.Store.Close(); err != nil {
		slog.Warn("close the session store", "err", err)
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// embeddedNotice is printed once when no Redis is configured.
const embeddedNotice = `okienko: no Redis configured: conversation state is kept in an embedded in-memory server
         and will NOT survive a restart. To keep it, point at a real Redis:
         --redis redis://HOST:6379  or  OKIENKO_REDIS_URL=redis://HOST:6379
`

// open builds the store's configuration from the flag and the environment
// and connects (lazily: a Redis that is down makes messages fail with an
// apology until it is back). With no Redis configured it starts the
// embedded server and says so on stderr.
func (f *storeFlags) open(ctx context.Context, io stdio, logger *slog.Logger) (*sessionStore, error) {
	getenv := f.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg, err := storeConfigFromEnv(f.url, getenv)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, cfg, io, logger)
}

// openStore connects to the Redis of cfg, or starts the embedded one when
// cfg names none.
func openStore(ctx context.Context, cfg redis.Config, io stdio, logger *slog.Logger) (*sessionStore, error) {
	cfg.Logger = logger
	out := &sessionStore{}
	if cfg.URL == "" && len(cfg.Addrs) == 0 {
		e, err := redis.StartEmbedded()
		if err != nil {
			return nil, fmt.Errorf("session store: %w", err)
		}
		cfg.URL = e.URL()
		out.embedded, out.where = e, "embedded "+e.Addr()
		fmt.Fprint(io.err, embeddedNotice)
	} else {
		out.where = describeRedis(cfg)
	}
	st, err := redis.New(ctx, cfg)
	if err != nil {
		if out.embedded != nil {
			out.embedded.Close()
		}
		return nil, fmt.Errorf("session store: %w", err)
	}
	out.Store = st
	if out.embedded == nil {
		if err := st.Ping(ctx); err != nil {
			// Not fatal: the store reconnects by itself, and residents get
			// an apology with the Centre's phone until it does.
			logger.Warn("redis does not answer yet; residents get an apology until it does", "redis", out.where, "err", err)
		}
	}
	return out, nil
}

// storeConfigFromEnv reads the Redis configuration: flagURL (--redis) wins
// over the environment; getenv is os.Getenv outside tests.
//
//	OKIENKO_REDIS_URL               one server: redis://[user:password@]host:port[/db], rediss:// for TLS
//	OKIENKO_REDIS_ADDRS             Sentinel or Cluster: comma-separated host:port list
//	OKIENKO_REDIS_MASTER            with ADDRS: the Sentinel master name (else ADDRS are Cluster nodes)
//	OKIENKO_REDIS_USERNAME, _PASSWORD, _SENTINEL_PASSWORD, _TLS (true/false)   for ADDRS
//	OKIENKO_REDIS_PREFIX            key prefix (default okienko)
//	OKIENKO_SESSION_IDLE_TTL        idle conversation expiry (default 24h)
//	OKIENKO_CASE_RETENTION          closed-case data retention (default 720h)
//	OKIENKO_REDIS_TIMEOUT           bound of one Redis command (default redis.DefaultOpTimeout)
func storeConfigFromEnv(flagURL string, getenv func(string) string) (redis.Config, error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var cfg redis.Config
	cfg.URL = strings.TrimSpace(flagURL)
	if cfg.URL == "" {
		cfg.URL = env("OKIENKO_REDIS_URL")
		if addrs := env("OKIENKO_REDIS_ADDRS"); addrs != "" {
			if cfg.URL != "" {
				return cfg, usageError("OKIENKO_REDIS_URL and OKIENKO_REDIS_ADDRS are both set: use the URL for one server, ADDRS for Sentinel or Cluster")
			}
			for _, a := range strings.Split(addrs, ",") {
				if a = strings.TrimSpace(a); a != "" {
					cfg.Addrs = append(cfg.Addrs, a)
				}
			}
			cfg.MasterName = env("OKIENKO_REDIS_MASTER")
			cfg.Cluster = cfg.MasterName == ""
			cfg.Username = env("OKIENKO_REDIS_USERNAME")
			cfg.Password = getenv("OKIENKO_REDIS_PASSWORD") // passwords may hold spaces
			cfg.SentinelPassword = getenv("OKIENKO_REDIS_SENTINEL_PASSWORD")
			if v := env("OKIENKO_REDIS_TLS"); v != "" {
				on, err := strconv.ParseBool(v)
				if err != nil {
					return cfg, usageError(fmt.Sprintf("OKIENKO_REDIS_TLS %q: want true or false", v))
				}
				if on {
					cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
				}
			}
		}
	}
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			// The URL itself is not repeated: it may hold a password.
			return cfg, usageError("Redis URL: want redis://[user:password@]host:port[/db] or rediss://...")
		}
	}
	cfg.Prefix = env("OKIENKO_REDIS_PREFIX")
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{
		{"OKIENKO_SESSION_IDLE_TTL", &cfg.IdleTTL},
		{"OKIENKO_CASE_RETENTION", &cfg.ClosedCaseRetention},
		{"OKIENKO_REDIS_TIMEOUT", &cfg.OpTimeout},
	} {
		v := env(d.name)
		if v == "" {
			continue
		}
		dur, err := time.ParseDuration(v)
		if err != nil || dur < time.Second || d.name == "OKIENKO_REDIS_TIMEOUT" && dur > time.Minute {
			return cfg, usageError(fmt.Sprintf("%s %q: want a duration of at least 1s, e.g. 24h or 720h (OKIENKO_REDIS_TIMEOUT: up to 1m, e.g. 3s)", d.name, v))
		}
		*d.to = dur
	}
	return cfg, nil
}

// describeRedis names the configured Redis for messages, without
// credentials.
func describeRedis(cfg redis.Config) string {
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil {
			return "redis"
		}
		return u.Scheme + "://" + u.Host + u.Path
	}
	kind := "cluster"
	if cfg.MasterName != "" {
		kind = "sentinel master " + cfg.MasterName + " via"
	}
	return kind + " " + strings.Join(cfg.Addrs, ",")
}
