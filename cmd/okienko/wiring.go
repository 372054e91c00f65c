package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"okienko/bot"
	"okienko/bot/filewatch"
	"okienko/bot/orgtext"
	"okienko/bot/script"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
)

// catalogFlags are the flags that choose the service catalogue and the
// thesaurus of residents' words.
type catalogFlags struct {
	files     []string
	thesaurus []string
	getenv    func(string) string // settings lookup; nil: the environment
}

func (c *catalogFlags) env(name string) string {
	if c.getenv != nil {
		return c.getenv(name)
	}
	return os.Getenv(name)
}

func (c *catalogFlags) register(fl *flag.FlagSet) {
	fl.Func("catalog", orgtext.Key("catalogue file or folder (YAML or CSV); repeat for several; default $OKIENKO_CATALOG, else the bundled sample"), func(s string) error {
		c.files = append(c.files, s)
		return nil
	})
	fl.Func("thesaurus", orgtext.Key("extra thesaurus file added to the bundled one; repeat for several; default $OKIENKO_THESAURUS"), func(s string) error {
		c.thesaurus = append(c.thesaurus, s)
		return nil
	})
}

// resolve reads the catalogue and thesaurus settings now (flags, else the
// environment), so that nothing is read from the environment later.
func (c *catalogFlags) resolve() {
	c.files, c.thesaurus = c.paths(), c.thesaurusPaths()
	c.getenv = func(string) string { return "" }
}

// paths are the catalogue files to read; none means the bundled sample.
func (c *catalogFlags) paths() []string {
	if len(c.files) > 0 {
		return c.files
	}
	return splitList(c.env("OKIENKO_CATALOG"))
}

func (c *catalogFlags) thesaurusPaths() []string {
	if len(c.thesaurus) > 0 {
		return c.thesaurus
	}
	return splitList(c.env("OKIENKO_THESAURUS"))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// read reads and checks the catalogue with load (the bundled sample when no
// file is given) and the thesaurus: the one loader of every subcommand and
// of the serving bot's reloads (which load through a cache of unchanged
// files). Either is nil when its files have errors.
func (c *catalogFlags) read(load func(paths ...string) (*catalog.Catalog, catalog.Problems)) (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems) {
	var cat *catalog.Catalog
	var probs catalog.Problems
	if paths := c.paths(); len(paths) > 0 {
		cat, probs = load(paths...)
	} else {
		cat, probs = catalog.Sample()
	}
	th, tp := catalog.LoadThesaurus(c.thesaurusPaths()...)
	return cat, th, append(probs, tp...)
}

// shownWarnings is how many catalogue warnings commands other than
// `catalog check` print before summing up the rest.
const shownWarnings = 3

// load reads and checks the catalogue and thesaurus, printing problems.
func (c *catalogFlags) load(io stdio) (*catalog.Catalog, *catalog.Thesaurus, error) {
	cat, th, probs := c.read(catalog.Load)
	warnings := 0
	for _, p := range probs {
		// Errors all; of the warnings (fields left untranslated, often
		// hundreds in a real catalogue) a few: `catalog check` lists them.
		if p.Warning {
			if warnings++; warnings > shownWarnings {
				continue
			}
		}
		fmt.Fprintln(io.err, p.In(io.lang))
	}
	if warnings > shownWarnings {
		fmt.Fprintln(io.err, orgtext.Sprintf(io.lang, "… and %d more warnings: okienko catalog check lists them all", warnings-shownWarnings))
	}
	if cat == nil || th == nil {
		fmt.Fprintln(io.err, orgtext.Sprintf(io.lang, "the catalogue or thesaurus has %d errors", probs.Errors()))
		return nil, nil, exitError{1}
	}
	return cat, th, nil
}

// index builds the catalogue's search index.
func (c *catalogFlags) index(io stdio, logger *slog.Logger) (*catbleve.Index, error) {
	cat, th, err := c.load(io)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	ix, err := catbleve.New(catbleve.Config{Catalog: cat, Thesaurus: th, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return ix, nil
}

// live builds the catalogue search of a serving bot: when the catalogue
// and thesaurus come from files, edits to them are picked up without a
// restart (an invalid edit keeps the running version, logged with
// path:line:col).
func (c *catalogFlags) live(ctx context.Context, io stdio, logger *slog.Logger) (*catbleve.Live, error) {
	// The cache re-reads only the catalogue files that changed, and the
	// live index re-indexes only their services.
	cache := catalog.NewCache()
	live, err := catbleve.NewLive(catbleve.LiveConfig{
		Load: func() (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems) {
			return c.read(cache.Load)
		},
		Delta: func() catalog.Delta {
			if len(c.paths()) == 0 {
				return catalog.Delta{Full: true}
			}
			return cache.LastDelta()
		},
		Index:  catbleve.Config{Logger: logger},
		Logger: logger,
	})
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	watched := append(c.paths(), c.thesaurusPaths()...)
	if len(watched) == 0 {
		return live, nil // the bundled sample does not change
	}
	err = filewatch.Watch(ctx, filewatch.Config{Paths: watched, Extensions: []string{".yaml", ".yml", ".csv"}, Logger: logger}, func() {
		_ = live.Reload() // problems are logged; the running index stays
	})
	if err != nil {
		live.Close()
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	logger.Info("watching the catalogue for changes", "files", len(watched))
	return live, nil
}

// watchDialogs reloads the dialog scripts of a serving bot when their files
// change: a valid edit is swapped in (conversations continue at their
// step), an invalid one keeps the running scripts and logs each problem
// as path:line:col. The bundled scripts do not change.
func watchDialogs(ctx context.Context, src dialogsSource, eng *bot.Engine, logger *slog.Logger) error {
	if src.display == bundledDialogs {
		return nil
	}
	err := filewatch.Watch(ctx, filewatch.Config{Paths: []string{src.display}, Extensions: []string{".yaml", ".yml"}, Logger: logger}, func() {
		sc, probs := script.Load(src.fsys, src.display)
		for _, p := range probs {
			logger.Warn("dialog problem", "at", fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col), "problem", p.Message, "warning", p.Warning)
		}
		if sc == nil {
			logger.Error("dialogs not reloaded: the files have errors; the previous version keeps serving", "errors", probs.Errors())
			return
		}
		if err := eng.SetScript(sc); err != nil {
			logger.Error("dialogs not reloaded", "err", err)
			return
		}
		logger.Info("dialogs reloaded", "steps", len(sc.Steps))
	})
	if err != nil {
		return fmt.Errorf("watch dialogs: %w", err)
	}
	return nil
}

// searcher builds the catalogue search the engine uses.
func (c *catalogFlags) searcher(io stdio) (*catbleve.Index, error) {
	return c.index(io, slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
