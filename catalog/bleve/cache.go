package bleve

import (
	"sync"

	"okienko/bot"
)

// resultCache remembers the answers to recent searches of one index. An
// index never changes (a reload builds a new Index with an empty cache),
// so the same query always gets the same answer; residents who press the
// same buttons search the same words, and a search costs about a thousand
// allocations in bleve. Bounded: the oldest entry goes first.
type resultCache struct {
	mu      sync.Mutex
	entries map[bot.SearchQuery]bot.SearchResult
	order   []bot.SearchQuery // ring of keys, oldest at next
	next    int
}

// defaultCacheSize is how many searches an index remembers by default.
const defaultCacheSize = 512

func newResultCache(size int) *resultCache {
	if size <= 0 {
		return nil
	}
	return &resultCache{entries: make(map[bot.SearchQuery]bot.SearchResult, size), order: make([]bot.SearchQuery, 0, size)}
}

// get returns a cached result; its Services are the caller's own copy.
func (c *resultCache) get(q bot.SearchQuery) (bot.SearchResult, bool) {
	if c == nil {
		return bot.SearchResult{}, false
	}
	c.mu.Lock()
	r, ok := c.entries[q]
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[q]; ok {
		return
	}
	if len(c.order) < cap(c.order) {
		c.order = append(c.order, q)
	} else {
		delete(c.entries, c.order[c.next])
		c.order[c.next] = q
		c.next = (c.next + 1) % len(c.order)
	}
	c.entries[q] = r
}
