// Package filewatch tells when organizers' files change, so a running bot
// can pick up an edited catalogue or dialog without a restart. It watches
// folders, not files (editors save by writing a temporary file and renaming
// it, which loses a watch on the file), and debounces bursts of events into
// one call. It is the only package that imports fsnotify.
package filewatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Config says what to watch.
type Config struct {
	// Paths are files or folders. A file is watched through its folder; a
	// folder's files are filtered by Extensions.
	Paths []string
	// Extensions of files in watched folders that count, e.g. ".yaml".
	// Empty: every file.
	Extensions []string
	// Debounce waits this long after the last event before calling back;
	// default 250 ms.
	Debounce time.Duration
	Logger   *slog.Logger
}

// Watch calls onChange after the watched files change, until ctx is done.
// It returns an error only when the watch cannot start.
func Watch(ctx context.Context, cfg Config, onChange func()) error {
	if cfg.Debounce <= 0 {
		cfg.Debounce = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.Paths) == 0 {
		return errors.New("watch: no paths")
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	files := map[string]bool{} // files named directly
	dirs := map[string]bool{}  // folders watched whole
	for _, p := range cfg.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			w.Close()
			return fmt.Errorf("watch %s: %w", p, err)
		}
		dir := abs
		if st, err := os.Stat(abs); err == nil && !st.IsDir() {
			files[abs] = true
			dir = filepath.Dir(abs)
		} else {
			dirs[abs] = true
		}
		if err := w.Add(dir); err != nil {
			w.Close()
			return fmt.Errorf("watch %s: %w", p, err)
		}
	}
	relevant := func(name string) bool {
		abs, err := filepath.Abs(name)
		if err != nil {
			return false
		}
		if files[abs] {
			return true
		}
		// Kubernetes ConfigMaps update by swapping a "..data" symlink.
		if filepath.Base(abs) == "..data" {
			return true
		}
		if !dirs[filepath.Dir(abs)] {
			return false
		}
		if len(cfg.Extensions) == 0 {
			return true
		}
		for _, ext := range cfg.Extensions {
			if strings.EqualFold(filepath.Ext(abs), ext) {
				return true
			}
		}
		return false
	}
	go func() {
		defer w.Close()
		var timer *time.Timer
		var fire <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				if timer != nil {
					timer.Stop()
				}
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if !relevant(ev.Name) || ev.Op == fsnotify.Chmod {
					continue
				}
				if timer == nil {
					timer = time.NewTimer(cfg.Debounce)
				} else {
					timer.Reset(cfg.Debounce)
				}
				fire = timer.C
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				cfg.Logger.Warn("file watch error", "err", err)
			case <-fire:
				fire = nil
				onChange()
			}
		}
	}()
	return nil
}
