package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"okienko/bot/orgtext"
)

// The organizers' commands (dialogs, catalog) speak the organizer's
// language: Polish with a Polish locale (LANG=pl_PL…) or --lang pl,
// English otherwise; their usage texts, flag help, flag mistakes and the
// closing "okienko: …" line included. The operators' commands (serve,
// bench, report) stay in English.

// organizerCommands are the subcommands whose texts follow the locale.
var organizerCommands = map[string]bool{"dialogs": true, "catalog": true}

// toolLang is the language of a command line's texts: for the organizers'
// commands the locale, overridden by a --lang pl|en anywhere among the
// flags (read before the flags are parsed, so that help and flag mistakes
// printed during parsing are in it too; another value, such as catalog
// search's --lang uk, keeps the locale); English for the other commands.
func toolLang(args []string, getenv func(string) string) string {
	if len(args) == 0 || !organizerCommands[args[0]] {
		return orgtext.English
	}
	lang := orgtext.FromEnv(getenv)
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		switch {
		case a == "--lang" || a == "-lang":
			if i+1 < len(args) && orgtext.Valid(args[i+1]) {
				lang = args[i+1]
			}
		case strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang="):
			if _, v, _ := strings.Cut(a, "="); orgtext.Valid(v) {
				lang = v
			}
		}
	}
	return lang
}

// errorLine is the last line okienko prints when a command fails.
func errorLine(lang string, err error) string {
	return orgtext.Sprintf(lang, "okienko: %v", err)
}

// orgUsage is a mistake on an organizers' command line, in the table's
// words; it is a usageError (exit status 2).
type orgUsage struct{ m orgtext.Msg }

func (e orgUsage) Error() string                  { return orgtext.Sprintf(orgtext.English, e.m.Format, e.m.Args...) }
func (e orgUsage) MessageFormat() (string, []any) { return e.m.Format, e.m.Args }
func (e orgUsage) Unwrap() error                  { return usageError(e.Error()) }

func orgUsagef(format string, args ...any) error {
	return orgUsage{orgtext.Msg{Format: format, Args: args}}
}

// orgFlagSet is the flag set of an organizers' subcommand: its help lists
// the command's usage and the flags in io.lang, and the flag package's own
// English messages are replaced by parseOrgFlags.
func orgFlagSet(name string, io *stdio, usage func(lang string) string) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(discard{})
	fl.Usage = func() {
		var b strings.Builder
		b.WriteString(usage(io.lang))
		b.WriteString("\n" + orgtext.Sprintf(io.lang, "flags of okienko %s:", name) + "\n")
		fl.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(&b, "  --%s\n        %s", f.Name, orgtext.Translate(io.lang, f.Usage))
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
				b.WriteString(orgtext.Sprintf(io.lang, " (default: %s)", f.DefValue))
			}
			b.WriteString("\n")
		})
		io.err.Write([]byte(b.String()))
	}
	return fl
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

var _ io.Writer = discard{}

// Messages of the flag package (Go 1.26), recognised to be said again in
// the organizer's language.
var (
	flagNotDefined = regexp.MustCompile(`^flag provided but not defined: (-\S+)$`)
	flagNeedsValue = regexp.MustCompile(`^flag needs an argument: (-\S+)$`)
	flagBadValue   = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?(-\S+): (.*)$`)
	flagBadSyntax  = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// parseOrgFlags parses an organizers' subcommand's flags (before or after
// the folders and files); after -h it ends the command with status 0, and
// a mistake is an orgUsage after the help.
func parseOrgFlags(fl *flag.FlagSet, args []string) error {
	err := parseInterspersed(fl, args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return exitError{0}
	}
	s := err.Error()
	if m := flagNotDefined.FindStringSubmatch(s); m != nil {
		return orgUsagef("unknown flag %s (see the list above)", m[1])
	}
	if m := flagNeedsValue.FindStringSubmatch(s); m != nil {
		return orgUsagef("flag %s needs a value", m[1])
	}
	if m := flagBadValue.FindStringSubmatch(s); m != nil {
		return orgUsagef("wrong value %s of flag %s: %s", m[1], m[2], orgtext.Word(m[3]))
	}
	if m := flagBadSyntax.FindStringSubmatch(s); m != nil {
		return orgUsagef("wrong flag %s: write flags as --name or --name=value", m[1])
	}
	return usageError(s)
}

// fileError says what is wrong with a file the organizer named, in the
// table's words for the usual cases (missing, not allowed, a folder).
func fileError(err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return orgtext.Errorf("%s: there is no such file (check the name and the folder)", pe.Path)
	case errors.Is(err, fs.ErrPermission):
		return orgtext.Errorf("%s: no permission to open the file", pe.Path)
	case strings.Contains(pe.Err.Error(), "is a directory"):
		return orgtext.Errorf("%s is a folder: name a file", pe.Path)
	}
	return err
}

func args0(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// langFlag adds --lang pl|en to an organizers' tool: the language of its
// messages, by default from the locale (LANG=pl_PL… gives Polish).
func langFlag(fl *flag.FlagSet, io *stdio) {
	fl.Func("lang", orgtext.Key("language of the messages: pl or en (default from LANG)"), func(s string) error {
		if !orgtext.Valid(s) {
			return errors.New(orgtext.Key("use pl or en"))
		}
		io.lang = s
		return nil
	})
}

// flagPackageWords are the flag package's reasons for a wrong number.
var flagPackageWords = []string{orgtext.Key("parse error"), orgtext.Key("value out of range")}
