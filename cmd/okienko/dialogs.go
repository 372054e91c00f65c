package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"okienko/bot/dialogtest"
	"okienko/bot/orgtext"
	"okienko/bot/script"
	"okienko/dialogs"
)

// runDialogs checks, tests and draws dialog scripts for organizers.
func runDialogs(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		fmt.Fprint(io.err, dialogsUsage(io.lang))
		return orgUsagef("dialogs: name a subcommand: check, test or graph")
	}
	switch args[0] {
	case "check":
		return dialogsCheck(args[1:], io)
	case "test":
		return dialogsTest(ctx, args[1:], io)
	case "graph":
		return dialogsGraph(ctx, args[1:], io)
	case "-h", "--help", "help":
		fmt.Fprint(io.out, dialogsUsage(io.lang))
		return nil
	}
	fmt.Fprint(io.err, dialogsUsage(io.lang))
	return orgUsagef("dialogs: unknown subcommand %q", args[0])
}

// dialogsUsage is the synopsis of the dialogs subcommands in lang.
func dialogsUsage(lang string) string {
	return orgtext.Translate(lang, `usage:
  okienko dialogs check [DIR]                       list every problem as path:line:col: message
  okienko dialogs test  [DIR] [--catalog FILE]...   run the conversation tests in DIR/tests
  okienko dialogs graph [DIR] [--format mermaid|dot|svg] [--step ID] [--mermaid FILE]
                                                    draw the flow (or one topic's part); svg needs
                                                    Chromium and the Mermaid library (no network)

DIR defaults to ./dialogs if it exists, else the bundled scripts.
`)
}

// dialogsSource is a folder of dialog files: on disk, or the bundled ones.
type dialogsSource struct {
	fsys    fs.FS
	tests   fs.FS
	display string
}

// bundledDialogs names the scripts built into the binary in messages.
const bundledDialogs = "(bundled)"

// openDialogs picks the dialog folder named on the command line, ./dialogs,
// or the bundled scripts.
func openDialogs(dir string) dialogsSource {
	if dir == "" {
		if st, err := os.Stat("dialogs"); err == nil && st.IsDir() {
			dir = "dialogs"
		}
	}
	if dir == "" {
		return dialogsSource{fsys: dialogs.Scripts(), tests: dialogs.Tests(), display: bundledDialogs}
	}
	return dialogsSource{fsys: os.DirFS(dir), tests: os.DirFS(filepath.Join(dir, "tests")), display: dir}
}

// loadScript loads dialogs and prints their problems; it fails on errors.
func loadScript(src dialogsSource, io stdio, showWarnings bool) (*script.Script, error) {
	sc, probs := script.Load(src.fsys, src.display)
	for _, p := range probs {
		if showWarnings || !p.Warning {
			fmt.Fprintln(io.err, p.In(io.lang))
		}
	}
	if sc == nil {
		fmt.Fprintln(io.err, orgtext.Sprintf(io.lang, "the dialogs in %s have %d errors", src.display, probs.Errors()))
		return nil, exitError{1}
	}
	return sc, nil
}

func dialogsCheck(args []string, io stdio) error {
	fl := orgFlagSet("dialogs check", &io, dialogsUsage)
	langFlag(fl, &io)
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	src := openDialogs(fl.Arg(0))
	sc, probs := script.Load(src.fsys, src.display)
	for _, p := range probs {
		fmt.Fprintln(io.out, p.In(io.lang))
	}
	warnings := len(probs) - probs.Errors()
	if sc == nil {
		fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "%d errors, %d warnings", probs.Errors(), warnings))
		return exitError{1}
	}
	fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "ok: %d steps, %d triggers, 0 errors, %d warnings", len(sc.Steps), len(sc.Triggers), warnings))
	return nil
}

func dialogsTest(ctx context.Context, args []string, io stdio) error {
	fl := orgFlagSet("dialogs test", &io, dialogsUsage)
	var cat catalogFlags
	cat.register(fl)
	verbose := fl.Bool("v", false, orgtext.Key("list every test"))
	langFlag(fl, &io)
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	src := openDialogs(fl.Arg(0))
	sc, err := loadScript(src, io, false)
	if err != nil {
		return err
	}
	files, probs := script.LoadTests(src.tests, filepath.Join(src.display, "tests"))
	for _, p := range probs {
		fmt.Fprintln(io.out, p.In(io.lang))
	}
	if probs.Errors() > 0 {
		return exitError{1}
	}
	searcher, err := cat.searcher(io)
	if err != nil {
		return err
	}
	report := dialogtest.Run(ctx, dialogtest.Config{Script: sc, Searcher: searcher}, files)
	for _, f := range report.Failures {
		fmt.Fprintln(io.out, orgtext.Translate(io.lang, "FAIL"), f.In(io.lang))
	}
	if *verbose {
		for _, f := range files {
			for _, t := range f.Tests {
				fmt.Fprintf(io.out, "%s:%d: %s\n", f.Name, t.Line, t.Name)
			}
		}
	}
	fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "%d passed, %d failed", report.Passed, report.Failed))
	if report.Failed > 0 || report.Passed == 0 {
		return exitError{1}
	}
	return nil
}

func dialogsGraph(ctx context.Context, args []string, io stdio) error {
	fl := orgFlagSet("dialogs graph", &io, dialogsUsage)
	format := fl.String("format", script.GraphMermaid, orgtext.Key("the picture's format: mermaid, dot or svg"))
	step := fl.String("step", "", orgtext.Key("draw only the part of the flow that starts at this step (one topic)"))
	library := fl.String("mermaid", os.Getenv("OKIENKO_MERMAID"), orgtext.Key("for --format svg: the Mermaid library file (mermaid.min.js); default $OKIENKO_MERMAID"))
	langFlag(fl, &io)
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	if *format != script.GraphMermaid && *format != script.GraphDot && *format != "svg" {
		return orgUsagef("dialogs graph: unknown format %q (use mermaid, dot or svg)", *format)
	}
	sc, err := loadScript(openDialogs(fl.Arg(0)), io, false)
	if err != nil {
		return err
	}
	if *format == "svg" {
		// Mermaid's own picture, drawn offline by a local Chromium.
		var text strings.Builder
		if err := sc.WriteGraphWith(&text, script.GraphOptions{Format: script.GraphMermaid, Step: *step}); err != nil {
			return orgUsagef("dialogs graph: %v", err)
		}
		svg, err := mermaidSVG(ctx, text.String(), *library)
		if err != nil {
			return orgtext.Errorf("dialogs graph: %v", err)
		}
		_, err = io.out.Write(svg)
		return err
	}
	if err := sc.WriteGraphWith(io.out, script.GraphOptions{Format: *format, Step: *step}); err != nil {
		return orgUsagef("dialogs graph: %v", err)
	}
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("graph dialogs --format dot").
func parseInterspersed(fl *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fl.Parse(args); err != nil {
			return err
		}
		if fl.NArg() == 0 {
			break
		}
		positional = append(positional, fl.Arg(0))
		args = fl.Args()[1:]
	}
	return fl.Parse(append([]string{"--"}, positional...))
}
