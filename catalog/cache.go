package catalog

import (
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"time"

	"okienko/bot/yamlfile"
)

// Cache reads a catalogue again and again (hot reload) and remembers it
// file by file: a reload reads only the files whose size or modification
// time changed, parses only those whose content changed, and says which
// services an index must drop and (re)index. A regional catalogue kept in
// many files then costs a reload of one file, not of all.
//
// A Cache is not safe for concurrent use (the live index reloads one at a
// time).
type Cache struct {
	files map[string]*cachedFile // the last catalogue loaded without errors
	last  Delta
}

type cachedFile struct {
	size  int64
	mtime time.Time
	sum   uint64
	p     parsed
}

// Delta is what the last successful Load changed.
type Delta struct {
	// Full: everything is new (the first load); Removed and Changed are
	// then empty.
	Full bool
	// Removed are ids an index must drop: the services of changed or
	// removed files as they were before.
	Removed []string
	// Changed are the services of changed or new files, to (re)index
	// after the removals.
	Changed []Service
	// Files is how many files were parsed.
	Files int
}

// NewCache returns an empty cache: its first Load reads everything.
func NewCache() *Cache { return &Cache{} }

var seed = maphash.MakeSeed()

// Load reads, merges and checks the catalogue files like Load, reusing the
// files unchanged since the last load without errors. On errors the
// catalogue is nil and the cache keeps the last good state.
func (c *Cache) Load(paths ...string) (*Catalog, Problems) {
	names, probs := listFiles(paths)
	if len(probs) > 0 {
		return nil, probs
	}
	if len(names) == 0 {
		return Parse(nil)
	}
	next := make(map[string]*cachedFile, len(names))
	all := make([]parsed, 0, len(names))
	parsedFiles := 0
	var changed []string
	for _, name := range names {
		info, err := os.Stat(name)
		if err != nil {
			return nil, Problems{yamlfile.Newf(name, 1, 1, "cannot read: %v", pathless(err))}
		}
		old := c.files[name]
		if old != nil && old.size == info.Size() && old.mtime.Equal(info.ModTime()) {
			next[name] = old
			all = append(all, old.p)
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			probs = append(probs, yamlfile.Newf(name, 1, 1, "cannot read: %v", pathless(err)))
			continue
		}
		sum := maphash.Bytes(seed, data)
		if old != nil && old.sum == sum {
			next[name] = &cachedFile{size: info.Size(), mtime: info.ModTime(), sum: sum, p: old.p}
			all = append(all, old.p)
			continue
		}
		parsedFiles++
		p, ok := parseFileFast(File{Name: name, Data: data})
		if !ok {
			var fp Problems
			p, fp = parseOne(File{Name: name, Data: data})
			probs = append(probs, fp...)
			if fp.Errors() > 0 {
				continue
			}
		}
		next[name] = &cachedFile{size: info.Size(), mtime: info.ModTime(), sum: sum, p: p}
		all = append(all, p)
		changed = append(changed, name)
	}
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	cat, cp := check(all)
	if cp.Errors() > 0 {
		// Report errors at positions: the files read on the fast path are
		// parsed again with them (errors are rare; the positions are worth
		// it). Warnings alone stay at the service they concern.
		for i, p := range all {
			if p.coarse && !isCSV(p.name) {
				if data, err := os.ReadFile(p.name); err == nil {
					all[i], _ = parseOne(File{Name: p.name, Data: data})
				}
			}
		}
		_, cp = check(all)
	}
	probs = append(probs, cp...)
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	c.last = c.delta(next, changed, parsedFiles)
	c.files = next
	return cat, probs.Sort()
}

// LastDelta is what the last successful Load changed.
func (c *Cache) LastDelta() Delta { return c.last }

// delta compares the new files with the cached ones.
func (c *Cache) delta(next map[string]*cachedFile, changed []string, parsedFiles int) Delta {
	if c.files == nil {
		return Delta{Full: true, Files: parsedFiles}
	}
	d := Delta{Files: parsedFiles}
	drop := func(f *cachedFile) {
		for _, s := range f.p.cat.Services {
			d.Removed = append(d.Removed, s.ID)
		}
	}
	for _, name := range changed {
		if old := c.files[name]; old != nil {
			drop(old)
		}
		d.Changed = append(d.Changed, next[name].p.cat.Services...)
	}
	for name, old := range c.files {
		if next[name] == nil {
			drop(old)
		}
	}
	return d
}

// parseOne parses one file with positions.
func parseOne(f File) (parsed, Problems) {
	if isCSV(f.Name) {
		return parseCSV(f.Name, f.Data)
	}
	return parseYAML(f.Name, f.Data)
}

func isCSV(name string) bool { return strings.EqualFold(filepath.Ext(name), ".csv") }

// listFiles names the catalogue files of paths as ReadFiles reads them.
func listFiles(paths []string) ([]string, Problems) {
	var names []string
	var probs Problems
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			probs = append(probs, yamlfile.Newf(p, 1, 1, "cannot read: %v", pathless(err)))
			continue
		}
		if !info.IsDir() {
			names = append(names, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			probs = append(probs, yamlfile.Newf(p, 1, 1, "cannot read the folder: %v", pathless(err)))
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && isCatalogFile(e.Name()) {
				names = append(names, filepath.Join(p, e.Name()))
			}
		}
	}
	return names, probs
}
