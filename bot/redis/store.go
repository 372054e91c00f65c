// Package redis keeps conversation sessions in Redis, so that they survive
// restarts and are shared by several bot replicas. It is the only package
// that imports go-redis (and miniredis, for the embedded default).
//
// # Key layout
//
// Every key of a conversation carries the conversation's key (bot.Message.Key,
// "channel:chatid") as a Redis Cluster hash tag, so that all of them live in
// one slot and transactions over them work in Cluster:
//
//	<prefix>:sess:{<chat>}           the session, JSON with its format version and
//	                                 the tags of the latest applied event ids
//	<prefix>:<kind>:{<chat>}[:<id>]  anything later features add: use Store.Key
//
// <chat> is the conversation key with every byte outside [A-Za-z0-9:_.@=+/-]
// written as %XX, so it holds no braces or glob characters. Erase deletes
// the conversation's fixed keys and those listed in its key index
// (<prefix>:keys:{<chat>}, see keyindex.go); a feature that keeps data about
// a chat must therefore build its keys with Store.Key and record them with
// Store.Track.
//
// A few keys are shared by all conversations and hold no chat id in their
// names: the outbox streams (NewOutbox), the case book's indexes
// (NewCaseBook) and the needs report's lists of pending queries
// (NewNeeds). Where their values may name a conversation, Erase first
// removes those of the erased conversation, found through its key index
// (its case records <prefix>:case:{<chat>}:<case>, its queries
// <prefix>:needq:{<chat>}:<date>).
//
// # Lifetimes
//
// A session expires IdleTTL after its last save. While its Case is set (a
// handoff case is open) it is written without expiry, which removes any
// previous TTL (the effect of PERSIST). When the case is closed (a save without
// Case: the engine's staff close or return), the session goes back to IdleTTL and the
// conversation's other keys that have no expiry (case routing) get
// ClosedCaseRetention. The applied event ids live and die with the session.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"okienko/bot"
)

var _ bot.SessionStore = (*Store)(nil)

// Store is a bot.SessionStore in Redis. It is safe for concurrent use by
// many goroutines and many processes sharing one Redis.
type Store struct {
	cfg     Config
	client  goredis.UniversalClient
	cluster bool
	log     *slog.Logger
	batch   *batcher // Load's and Save's commands
	// idleTTLArg is IdleTTL in milliseconds as a command argument, boxed
	// once, not at every save.
	idleTTLArg any

	streamsMu sync.Mutex
	streams   map[string]*stream  // outboxes by stream key, for Erase
	forget    []func(chat string) // called by Erase (onErase)
}

// registerStream remembers an outbox stream, so that Erase forgets the
// erased conversation's cases in it.
func (st *Store) registerStream(s *stream) {
	st.streamsMu.Lock()
	defer st.streamsMu.Unlock()
	if st.streams == nil {
		st.streams = map[string]*stream{}
	}
	if _, ok := st.streams[s.key]; !ok {
		st.streams[s.key] = s
	}
}

func (st *Store) outboxStreams() []*stream {
	st.streamsMu.Lock()
	defer st.streamsMu.Unlock()
	out := make([]*stream, 0, len(st.streams))
	for _, s := range st.streams {
		out = append(out, s)
	}
	return out
}

// New connects to the Redis the config names. It does not wait for Redis to
// answer: a Redis that is down makes calls fail until it is back, and Ping
// tells readiness.
func New(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("redis store config: %w", err)
	}
	opts, err := cfg.clientOptions()
	if err != nil {
		return nil, fmt.Errorf("redis store config: %w", err)
	}
	routeLibraryLogs(cfg.Logger)
	client := goredis.NewUniversalClient(opts)
	_, cluster := client.(*goredis.ClusterClient)
	return &Store{
		cfg: cfg, client: client, cluster: cluster, log: cfg.Logger,
		batch:      &batcher{client: client, limit: max(cfg.Pipelines, 0)},
		idleTTLArg: cfg.IdleTTL.Milliseconds(),
	}, nil
}

// Close releases the connections.
func (st *Store) Close() error {
	if err := st.client.Close(); err != nil {
		return fmt.Errorf("close redis: %w", err)
	}
	return nil
}

// Ping reports whether Redis answers, for readiness checks.
func (st *Store) Ping(ctx context.Context) error {
	ctx, cancel := st.bound(ctx)
	defer cancel()
	if err := st.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Key returns the name of a key of kind (a short word such as "case") that
// belongs to the conversation chat, with optional further parts. Keys built
// this way share the conversation's hash tag; recorded with Track, they are
// removed by Erase.
func (st *Store) Key(kind, chat string, parts ...string) string {
	var b strings.Builder
	n := len(st.cfg.Prefix) + len(kind) + len(chat) + 4
	for _, p := range parts {
		n += len(p) + 1
	}
	b.Grow(n + n/4) // room for a few escapes: one allocation
	b.WriteString(st.cfg.Prefix)
	b.WriteByte(':')
	escapeTo(&b, kind)
	b.WriteString(":{")
	escapeTo(&b, chat)
	b.WriteByte('}')
	for _, p := range parts {
		b.WriteByte(':')
		escapeTo(&b, p)
	}
	return b.String()
}

// The kinds of key the store itself keeps.
const (
	kindSession = "sess"
	// kindSeen held applied event ids in a sorted set before they moved
	// into the session; Erase still removes such keys left by older
	// versions (they expire within IdleTTL anyway).
	kindSeen = "seen"
)

// Load implements bot.SessionStore. A value under the session key that
// cannot be read (corrupt JSON, a newer format, another type of key) is
// logged without its content and reported as no session, so the
// conversation starts afresh instead of failing.
func (st *Store) Load(ctx context.Context, key, eventID string) (*bot.Session, bool, error) {
	if key == "" {
		return nil, false, errors.New("load session: empty key")
	}
	// The GET's bound (OpTimeout) starts when it is sent; ctx bounds its
	// wait for a pipeline too. What follows is bounded as usual.
	get := goredis.NewStringCmd(ctx, "get", st.Key(kindSession, key))
	err := st.batch.do(&batched{ctx: ctx, cmd: get, bound: st.cfg.OpTimeout})
	var data string
	if err == nil {
		data = get.Val() // not before: a batch may still be reading it
	}
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, false, nil
	case isWrongType(err):
		st.log.Warn("session unreadable: starting afresh", "channel", channelOf(key), "chat", bot.LogChat(key), "reason", "wrong type")
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("load session: %w", err)
	}
	s, err := decodeSession(key, data)
	if err != nil {
		st.log.Warn("session unreadable: starting afresh", "channel", channelOf(key), "chat", bot.LogChat(key), "reason", err.Error(), "bytes", len(data))
		// A corrupt value is removed, unless someone saved meanwhile:
		// Save's script only reads the head, and a readable head on a
		// broken body would refuse the fresh session for ever. A newer
		// format or another conversation's session is left to the next
		// save (a replica of the next version may still be using it).
		if errors.Is(err, errCorrupt) {
			ctx, cancel := st.bound(ctx)
			defer cancel()
			if err := dropScript.Run(ctx, st.client, []string{st.Key(kindSession, key)}, data).Err(); err != nil {
				return nil, false, fmt.Errorf("load session: remove unreadable value: %w", err)
			}
		}
		return nil, false, nil
	}
	if !validTags(s.Applied) {
		// Only the redelivery records are lost; the conversation goes on.
		st.log.Warn("applied event ids unreadable: ignored", "channel", channelOf(key), "chat", bot.LogChat(key))
		s.Applied = ""
	}
	return s, eventID != "" && hasTag(s.Applied, eventTag(eventID)), nil
}

// dropScript deletes KEYS[1] if it still holds ARGV[1].
var dropScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// saveScript is Save's compare-and-save, one round trip in Redis (and in
// Cluster: one key). It checks the stored head — the codec writes
// "format", "key" and "version" first — and refuses (0) when the version
// moved on: another writer saved meanwhile, possibly applying this very
// event, and the engine reloads to find out. Otherwise it writes the
// session and returns 1, or 2 when this save closed an open case. The
// applied event tags travel inside the session (bot.Session.Applied), so
// the script never reads them.
//
// A value equal to the one being saved means this very save was applied
// before: go-redis sends a command again when the connection broke before
// the answer came (a Redis restart), and refusing it would make the engine
// take its own message for a redelivery and stay silent. It succeeds (3:
// whether that first copy closed a case is not known any more).
//
// The usual case costs one comparison: the head Go expects (ARGV[1]) is
// the stored one. Only when it is not (a conflict, an older format, no or
// another value) does the script parse the heads.
//
// KEYS: session. ARGV: the expected head (format, quoted key and version
// at load), data, ttl ms (0: no expiry), "1" when the new session holds a
// case.
var saveScript = goredis.NewScript(`
local cur = redis.pcall('GET', KEYS[1])
local head = ARGV[1]
local from = #head
if cur == ARGV[2] then return 3 end
if type(cur) ~= 'string' then
  if not string.find(head, ',"version":0,$') then return 0 end
  cur = nil
elseif string.sub(cur, 1, from) ~= head then
  local pattern = '^{"format":(%d+),"key":(".-"),"version":(%d+),'
  local _, _, wantFormat, wantKey, wantVersion = string.find(head, pattern)
  local _, e, format, key, version = string.find(cur, pattern)
  if format and tonumber(format) <= tonumber(wantFormat) and key == wantKey then
    if version ~= wantVersion then return 0 end
    from = e
  else
    -- unreadable or another conversation's: only a new session replaces it
    if wantVersion ~= '0' then return 0 end
    cur = nil
  end
end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
if cur and ARGV[4] ~= '1' and string.find(cur, ',"case":"', from, true) then return 2 end
return 1
`)

// saveScriptHash is saveScript's hash as a command argument, boxed once.
var saveScriptHash any = saveScript.Hash()

// tagLen is the length of an event tag: 12 hex digits of a 64-bit FNV-1a
// hash of the event id (48 bits: a false "already applied" among the few
// dozen ids a conversation keeps is a chance of about 1 in 10^12). Tags
// are fixed length, hold no personal data and need no escaping in JSON.
const tagLen = 12

// eventTag is the tag of an event id, "" for none.
func eventTag(eventID string) string {
	if eventID == "" {
		return ""
	}
	// FNV-1a, inline: this runs twice per message.
	h := uint64(14695981039346656037)
	for i := 0; i < len(eventID); i++ {
		h ^= uint64(eventID[i])
		h *= 1099511628211
	}
	h >>= 16
	var tag [tagLen]byte
	for i := tagLen - 1; i >= 0; i-- {
		tag[i] = hexDigits[h&0xF]
		h >>= 4
	}
	return string(tag[:])
}

// hasTag reports whether the space-separated applied tags hold tag.
func hasTag(applied, tag string) bool {
	for len(applied) >= tagLen {
		if applied[:tagLen] == tag {
			return true
		}
		if len(applied) == tagLen {
			break
		}
		applied = applied[tagLen+1:]
	}
	return false
}

// withTag appends tag to the applied tags, keeping the newest most.
func withTag(applied, tag string, most int) string {
	if applied != "" {
		tag = applied + " " + tag
	}
	if limit := most*(tagLen+1) - 1; len(tag) > limit {
		tag = tag[len(tag)-limit:]
	}
	return tag
}

// validTags reports whether applied is a list of tags as withTag makes.
func validTags(applied string) bool {
	if applied == "" {
		return true
	}
	if (len(applied)+1)%(tagLen+1) != 0 {
		return false
	}
	for i := 0; i < len(applied); i++ {
		c := applied[i]
		sep := i%(tagLen+1) == tagLen
		if sep != (c == ' ') || !sep && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// saveBuffers recycles Save's buffers.
var saveBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// Save implements bot.SessionStore with optimistic concurrency in one
// round trip (saveScript): the stored version must be the one loaded, or
// the save is refused with bot.ErrConflict; so is an event the session
// already records as applied. An unreadable stored value counts as
// version 0, so a fresh session replaces it.
func (st *Store) Save(ctx context.Context, s *bot.Session, eventID string) error {
	if s == nil || s.Key == "" {
		return errors.New("save session: no session or empty key")
	}
	tag := eventTag(eventID)
	if tag != "" && hasTag(s.Applied, tag) {
		return bot.ErrConflict
	}
	next := *s
	next.Version++
	next.Format = bot.SessionFormat
	if tag != "" {
		next.Applied = withTag(s.Applied, tag, st.cfg.SeenIDs)
	}
	// One buffer holds what the script gets: the session and the
	// expected head.
	buf := saveBuffers.Get().(*[]byte)
	b, err := encodeSession((*buf)[:0], &next)
	if err != nil {
		return fmt.Errorf("save session: encode: %w", err)
	}
	n := len(b)
	b = appendSessionHead(b, s)
	data, head := b[:n:n], b[n:]
	ttl, hasCase := st.idleTTLArg, any("0")
	if s.Case != "" {
		ttl, hasCase = any(0), "1" // no expiry while the case is open
	}
	key := st.Key(kindSession, s.Key)
	cmd := goredis.NewCmd(ctx, "evalsha", saveScriptHash, 1, key, head, data, ttl, hasCase)
	// The script's bound (OpTimeout) starts when it is sent; ctx bounds its
	// wait for a pipeline too.
	call := &batched{ctx: ctx, cmd: cmd, script: saveScript, bound: st.cfg.OpTimeout}
	err = st.batch.do(call)
	if call.finished() && cap(b) <= 64<<10 { // else a batch may still be sending the bytes
		*buf = b[:0]
		saveBuffers.Put(buf)
	}
	var res int64
	if err == nil {
		res, err = cmd.Int64()
	}
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if res == 0 {
		return bot.ErrConflict
	}
	s.Version, s.Format, s.Applied = next.Version, next.Format, next.Applied
	// 2: this save closed the case. 3: the save was applied before, maybe
	// closing it; giving the retention again only sets expiries not set.
	if res == 2 || res == 3 && s.Case == "" {
		ctx, cancel := st.bound(ctx)
		defer cancel()
		st.retainCaseKeys(ctx, s.Key)
	}
	return nil
}

// retainCaseKeys gives the conversation's indexed keys, kept without expiry
// while its case was open, the closed case retention, and the shared keys
// of its case records too. A failure is logged: the session itself is
// saved.
func (st *Store) retainCaseKeys(ctx context.Context, chat string) {
	err := st.retainIndexed(ctx, chat)
	if err == nil {
		err = st.retainCaseIndex(ctx, chat) // the shared keys of its case records
	}
	if err != nil {
		st.log.Error("closed case retention not applied", "channel", channelOf(chat), "chat", bot.LogChat(chat), "err", err)
	}
}

// Erase implements bot.SessionStore: it deletes every key of the
// conversation (see the key layout in the package documentation and the
// key index), and what the shared keys hold about it: case book index
// entries and waiting list entries of its cases, its cases' entries in
// every outbox created from this Store, and the needs report's unmatched
// queries not yet aggregated. Its work is proportional to the
// conversation, not to Redis. An erasure that fails part way can be run
// again: the index that finds the keys goes last.
func (st *Store) Erase(ctx context.Context, key string) error {
	if key == "" {
		return errors.New("erase session: empty key")
	}
	ctx, cancel := st.bound(ctx)
	defer cancel()
	// The session first: from then on nothing new is linked to the
	// conversation (the needs counters keep a query only for a
	// conversation that has a session).
	if err := st.client.Del(ctx, st.Key(kindSession, key), st.Key(kindSeen, key)).Err(); err != nil {
		return fmt.Errorf("erase session: %w", err)
	}
	for _, forget := range st.forgetters() {
		forget(key) // what waits in this process's memory
	}
	indexed, err := st.chatKeys(ctx, key)
	if err != nil {
		return fmt.Errorf("erase session: %w", err)
	}
	// Then the shared keys about its cases (case book index, waiting list,
	// outbox entries), found through its case records, which go next.
	if err := st.eraseCases(ctx, key, indexed); err != nil {
		return fmt.Errorf("erase session: %w", err)
	}
	if err := st.eraseKeys(ctx, key, indexed); err != nil {
		return fmt.Errorf("erase session: %w", err)
	}
	return nil
}

// onErase registers a function Erase calls with the conversation key, for
// what a component keeps about conversations in memory.
func (st *Store) onErase(forget func(chat string)) {
	st.streamsMu.Lock()
	defer st.streamsMu.Unlock()
	st.forget = append(st.forget, forget)
}

func (st *Store) forgetters() []func(string) {
	st.streamsMu.Lock()
	defer st.streamsMu.Unlock()
	return st.forget
}

// bound limits a call to the configured operation timeout.
func (st *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, st.cfg.OpTimeout)
}

// Reasons why a stored session is not used.
var (
	errCorrupt     = errors.New("corrupt session")
	errNewerFormat = errors.New("session format newer than this program")
	errForeign     = errors.New("session of another conversation")
)

// decodeSession reads a stored session of the conversation key. Formats up
// to bot.SessionFormat are read (0 is a session written before formats were
// recorded); a newer one is an error, as is a session of another key.
func decodeSession(key string, data string) (*bot.Session, error) {
	var s bot.Session
	if err := unmarshalSession(data, &s); err != nil {
		// A newer format may have changed a field's type: that is not
		// corruption (and the value must not be removed as such).
		var head struct {
			Format int `json:"format"`
		}
		if json.Unmarshal([]byte(data), &head) == nil && head.Format > bot.SessionFormat {
			return nil, fmt.Errorf("%w: %d", errNewerFormat, head.Format)
		}
		return nil, errCorrupt
	}
	switch {
	case s.Format > bot.SessionFormat:
		return nil, fmt.Errorf("%w: %d", errNewerFormat, s.Format)
	case s.Format < 0 || s.Version < 1:
		return nil, errCorrupt
	case s.Key != key:
		return nil, errForeign
	}
	s.Format = bot.SessionFormat
	return &s, nil
}

func isWrongType(err error) bool {
	return err != nil && goredis.HasErrorPrefix(err, "WRONGTYPE")
}

// isNoScript reports a script Redis does not know (after a restart or
// SCRIPT FLUSH). (HasErrorPrefix allocates even for nil: this runs for
// every save.)
func isNoScript(err error) bool {
	return err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT")
}

// channelOf is the channel part of a conversation key, which is safe to
// log; the chat id is not logged.
func channelOf(key string) string {
	channel, _, _ := strings.Cut(key, ":")
	return channel
}

// escapeTo writes s with every byte outside a safe set as %XX, so that key
// names hold no hash tag braces, glob characters or spaces.
func escapeTo(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":_.@=+/-", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// RawRoundTrip does the least a session store can: one GET and one SET of
// value under a scratch key. `okienko bench` measures it next to the
// engine, as the ceiling the store is compared with.
func (st *Store) RawRoundTrip(ctx context.Context, key string, value []byte) error {
	ctx, cancel := st.bound(ctx)
	defer cancel()
	k := st.cfg.Prefix + ":bench:" + key
	if err := st.client.Get(ctx, k).Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("bench get: %w", err)
	}
	if err := st.client.Set(ctx, k, value, time.Minute).Err(); err != nil {
		return fmt.Errorf("bench set: %w", err)
	}
	return nil
}
