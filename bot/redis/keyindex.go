package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// # The index of a conversation's keys
//
// Every key of a conversation other than those whose names are fixed (the
// session, the applied ids of older versions, the web mailbox) is listed
// in a set under the conversation's hash tag:
//
//	<prefix>:keys:{<chat>}   names of the conversation's other keys
//
// so that Erase and the closed-case retention touch only the
// conversation's keys — a few commands, whatever the size of Redis —
// instead of scanning the keyspace of every master. A feature that keeps a
// key of a conversation builds its name with Store.Key and records it with
// Store.Track (or track, in the pipeline that writes it) before or with the
// write. The index lives at least as long as the longest-lived of its keys
// (no expiry while one of them has none); a name whose key expired is
// harmless in it.
//
// Keys written by versions before the index (case records of cases opened
// before it) are indexed at their next write and expire with their case.

// kindIndex is the kind of the conversation's key index.
const kindIndex = "keys"

// trackLua adds ARGV[2..] to the set KEYS[1] and makes the set live at
// least ARGV[1] ms (0: for ever): an expiry is only lengthened or removed,
// never shortened, as other names in the set may need it.
const trackLua = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
local ttl = tonumber(ARGV[1])
if ttl <= 0 then
  redis.call('PERSIST', KEYS[1])
elseif existed == 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  local cur = redis.call('PTTL', KEYS[1])
  if cur >= 0 and cur < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return 1
`

// track queues on c (a client or a pipeline) the recording of keys as the
// conversation chat's, living ttl (0: no expiry).
func (st *Store) track(ctx context.Context, c goredis.Cmdable, chat string, ttl time.Duration, keys ...string) *goredis.Cmd {
	args := make([]any, 0, len(keys)+1)
	args = append(args, ttl.Milliseconds())
	for _, k := range keys {
		args = append(args, k)
	}
	return c.Eval(ctx, trackLua, []string{st.Key(kindIndex, chat)}, args...)
}

// Track records keys (built with Key for the conversation chat) in the
// conversation's key index, so that Erase deletes them and closing its
// case gives them the retention. ttl is the longest the keys live (0: no
// expiry). Call it before writing the keys, or in the same pipeline.
func (st *Store) Track(ctx context.Context, chat string, ttl time.Duration, keys ...string) error {
	if chat == "" || len(keys) == 0 {
		return errors.New("track keys: empty conversation or no keys")
	}
	ctx, cancel := st.bound(ctx)
	defer cancel()
	if err := st.track(ctx, st.client, chat, ttl, keys...).Err(); err != nil {
		return fmt.Errorf("track keys: %w", err)
	}
	return nil
}

// chatKeys lists the keys in the conversation chat's index.
func (st *Store) chatKeys(ctx context.Context, chat string) ([]string, error) {
	keys, err := st.client.SMembers(ctx, st.Key(kindIndex, chat)).Result()
	if err != nil && !isWrongType(err) {
		return nil, fmt.Errorf("read key index: %w", err)
	}
	return keys, nil
}

// fixedKeys are the conversation's keys whose names are known without the
// index.
func (st *Store) fixedKeys(chat string) []string {
	return []string{st.Key(kindSession, chat), st.Key(kindSeen, chat), st.Key(kindMailbox, chat)}
}

// eraseBatch is how many keys one DEL removes.
const eraseBatch = 512

// eraseKeys deletes the keys of the conversation chat: its fixed keys, the
// keys in its index, the needs report's pending entries that name them,
// and the index last, so that an erasure cut short can be run again.
func (st *Store) eraseKeys(ctx context.Context, chat string, indexed []string) error {
	if err := st.forgetPendingQueries(ctx, chat, indexed); err != nil {
		return err
	}
	// All in the conversation's slot: DEL with many keys works in Cluster.
	keys := append(st.fixedKeys(chat), indexed...)
	for len(keys) > 0 {
		n := min(len(keys), eraseBatch)
		if err := st.client.Del(ctx, keys[:n]...).Err(); err != nil {
			return fmt.Errorf("delete keys: %w", err)
		}
		keys = keys[n:]
	}
	if err := st.client.Del(ctx, st.Key(kindIndex, chat)).Err(); err != nil {
		return fmt.Errorf("delete key index: %w", err)
	}
	return nil
}

// retainIndexLua gives the index KEYS[1] an expiry of ARGV[1] ms when it
// has none or a shorter one: never shortened, as a key written meanwhile
// may need more.
const retainIndexLua = `
local cur = redis.call('PTTL', KEYS[1])
local ttl = tonumber(ARGV[1])
if cur == -1 or (cur >= 0 and cur < ttl) then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`

// retainIndexed gives the indexed keys without expiry (case routing) the
// closed case retention, and the index an expiry no shorter than its
// longest-lived key's (a needs query key may outlive the retention), so
// that Erase still finds every key.
func (st *Store) retainIndexed(ctx context.Context, chat string) error {
	keys, err := st.chatKeys(ctx, chat)
	if err != nil || len(keys) == 0 {
		return err
	}
	ttls := make([]*goredis.DurationCmd, len(keys))
	_, err = st.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			// Only keys without expiry: a shorter TTL set by a feature stays.
			p.ExpireNX(ctx, k, st.cfg.ClosedCaseRetention)
			ttls[i] = p.PTTL(ctx, k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("retain keys: %w", err)
	}
	longest := st.cfg.ClosedCaseRetention
	for _, c := range ttls {
		longest = max(longest, c.Val()) // -1 cannot be left, -2: gone
	}
	if err := st.client.Eval(ctx, retainIndexLua, []string{st.Key(kindIndex, chat)}, longest.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("retain key index: %w", err)
	}
	return nil
}

// indexOfKey returns the index key of the conversation a key name built
// with Key belongs to ("…:{<chat>}…").
func (st *Store) indexOfKey(key string) (string, bool) {
	open := strings.IndexByte(key, '{')
	end := strings.IndexByte(key, '}')
	if open < 0 || end < open {
		return "", false
	}
	return st.cfg.Prefix + ":" + kindIndex + ":" + key[open:end+1], true
}
