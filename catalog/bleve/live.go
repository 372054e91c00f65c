package bleve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"okienko/bot"
	"okienko/catalog"
)

var _ bot.Searcher = (*Live)(nil)

// Live is the index a serving bot searches, replaced whole when the
// catalogue changes: a new index is built in one batch and swapped in
// atomically; an invalid catalogue keeps the running one.
type Live struct {
	cur    atomic.Pointer[Index]
	load   func() (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems)
	cfg    Config
	log    *slog.Logger
	mu     sync.Mutex // one reload at a time
	grace  time.Duration
	closed atomic.Bool
	delta  func() catalog.Delta
	last   ReloadStats // guarded by mu
}

// ReloadStats says what the last successful reload did.
type ReloadStats struct {
	Whole   bool // the index was built whole (not updated file by file)
	Files   int  // catalogue files parsed
	Indexed int  // services indexed
}

// LiveConfig says how to (re)load the catalogue.
type LiveConfig struct {
	// Load reads and checks the catalogue and thesaurus; nil results with
	// problems mean the files are invalid.
	Load func() (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems)
	// Index is the rest of the index configuration (Catalog and Thesaurus
	// are filled by Load).
	Index Config
	// Delta, when set, says what the last call of Load changed (see
	// catalog.Cache): a reload then re-indexes only the services of the
	// changed files. Nil: every reload builds the index whole.
	Delta func() catalog.Delta
	// Grace is how long a replaced index stays open for searches already
	// running on it; default 1 minute.
	Grace  time.Duration
	Logger *slog.Logger
}

// NewLive loads the catalogue once; an invalid catalogue at start is an
// error (there is nothing to keep).
func NewLive(cfg LiveConfig) (*Live, error) {
	if cfg.Load == nil {
		return nil, errors.New("live catalogue: no loader")
	}
	if cfg.Grace <= 0 {
		cfg.Grace = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Live{load: cfg.Load, cfg: cfg.Index, log: cfg.Logger, grace: cfg.Grace, delta: cfg.Delta}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload builds a new index from the files and swaps it in. On invalid
// files it keeps the running index, logs each problem as path:line:col and
// returns an error.
func (l *Live) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := time.Now()
	c, th, probs := l.load()
	for _, p := range probs {
		l.log.Warn("catalogue problem", "at", fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col), "problem", p.Message, "warning", p.Warning)
	}
	if c == nil || th == nil {
		if l.cur.Load() != nil {
			l.log.Error("catalogue not reloaded: the files have errors; the previous version keeps serving", "errors", probs.Errors())
		}
		return fmt.Errorf("catalogue has %d errors", probs.Errors())
	}
	cfg := l.cfg
	cfg.Catalog, cfg.Thesaurus = c, th
	stats := ReloadStats{Whole: true, Files: -1, Indexed: len(c.Services)}
	cur := l.cur.Load()
	var ix *Index
	if l.delta != nil {
		d := l.delta()
		stats.Files = d.Files
		if cur != nil && !d.Full && cur.updates < maxUpdates && len(d.Changed) <= len(c.Services)/2 {
			var err error
			if ix, err = cur.update(cfg, d); err != nil {
				l.log.Warn("catalogue update failed; building the index whole", "err", err)
				ix = nil
			} else {
				stats.Whole, stats.Indexed = false, len(d.Changed)
			}
		}
	}
	if ix == nil {
		var err error
		if ix, err = New(cfg); err != nil {
			l.log.Error("catalogue not reloaded: index build failed; the previous version keeps serving", "err", err)
			return err
		}
	}
	old := l.cur.Swap(ix)
	l.last = stats
	l.log.Info("catalogue loaded", "services", ix.Len(), "indexed", stats.Indexed, "whole", stats.Whole, "took", time.Since(start).Round(time.Millisecond))
	if old != nil && old.idx != ix.idx {
		time.AfterFunc(l.grace, func() { old.Close() })
	}
	return nil
}

// maxUpdates is how many file-by-file updates an index takes before the
// next reload builds it whole again: each adds a segment in-memory scorch
// never merges, and deleted services still count in term statistics until
// a whole build.
const maxUpdates = 16

// LastReload says what the last successful reload did.
func (l *Live) LastReload() ReloadStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Current is the index in service now.
func (l *Live) Current() *Index { return l.cur.Load() }

// Search implements bot.Searcher on the current index.
func (l *Live) Search(ctx context.Context, q bot.SearchQuery) (bot.SearchResult, error) {
	return l.cur.Load().Search(ctx, q)
}

// Close releases the current index.
func (l *Live) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	return l.cur.Load().Close()
}
