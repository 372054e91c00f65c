package bleve

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"okienko/bot"
)

// resultCache remembers the answers to recent searches of one index. An
// index never changes (a reload builds a new Index with an empty cache),
// so the same query always gets the same answer; residents who press the
// same buttons search the same words, and a search costs about a thousand
// allocations in bleve. Bounded: the oldest entry goes first.
//
// Entries are keyed by a SHA-256 of the query, never by its text: a
// resident's words must not stay in the process after they erased their
// conversation (the results hold only catalogue texts).
type resultCache struct {
	mu      sync.Mutex
	entries map[queryKey]bot.SearchResult
	order   []queryKey // ring of keys, oldest at next
	next    int
}

// queryKey is the SHA-256 of a query's fields, each length-prefixed so
// that no two queries share an encoding.
type queryKey [sha256.Size]byte

func keyOf(q bot.SearchQuery) queryKey {
	h := sha256.New()
	var n [8]byte
	for _, f := range [...]string{q.Text, q.Lang, q.Category, q.Audience} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	binary.LittleEndian.PutUint64(n[:], uint64(q.Limit))
	h.Write(n[:])
	var k queryKey
	h.Sum(k[:0])
	return k
}

// defaultCacheSize is how many searches an index remembers by default.
const defaultCacheSize = 512

func newResultCache(size int) *resultCache {
	if size <= 0 {
		return nil
	}
	return &resultCache{entries: make(map[queryKey]bot.SearchResult, size), order: make([]queryKey, 0, size)}
}

// get returns a cached result; its Services are the caller's own copy.
func (c *resultCache) get(q bot.SearchQuery) (bot.SearchResult, bool) {
	if c == nil {
		return bot.SearchResult{}, false
	}
	k := keyOf(q)
	c.mu.Lock()
	r, ok := c.entries[k]
	c.mu.Unlock()
	if ok && r.Services != nil {
		r.Services = append([]bot.Service(nil), r.Services...)
	}
	return r, ok
}

// put remembers a result (a copy of its Services).
func (c *resultCache) put(q bot.SearchQuery, r bot.SearchResult) {
	if c == nil {
		return
	}
	if r.Services != nil {
		r.Services = append([]bot.Service(nil), r.Services...)
	}
	k := keyOf(q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	if len(c.order) < cap(c.order) {
		c.order = append(c.order, k)
	} else {
		delete(c.entries, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % len(c.order)
	}
	c.entries[k] = r
}
