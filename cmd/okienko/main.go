// Command okienko is the Centre's chatbot: it serves residents, lets
// organizers check and test dialog scripts and the service catalogue, and
// offers a terminal chat to try it all.
//
// This package is the only place that reads flags, environment and files and
// wires the parts together; each subcommand lives in a file of its own.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"okienko/bot/orgtext"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var exit exitError
		if !errors.As(err, &exit) {
			fmt.Fprintln(os.Stderr, errorLine(toolLang(os.Args[1:], os.Getenv), err)) // orglang.go
		}
		os.Exit(exitCode(err))
	}
}

// stdio is what a subcommand reads from and writes to.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	lang     string // the language of organizers' tools' messages: pl or en
}

// command is one subcommand of okienko.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, io stdio) error
}

// commands lists the subcommands by name; each is defined in its own file.
func commands() map[string]command {
	return map[string]command{
		"chat":    {"talk to the bot in a terminal", runChat},
		"dialogs": {"check, test and draw dialog scripts", runDialogs},
		"catalog": {"check, import, search and evaluate the service catalogue", runCatalog},
		"serve":   {"serve residents (Telegram, web chat) and hand cases to Slack", runServe},
		"bench":   {"measure the engine and store under simulated residents", runBench},
		"report":  {"write the report of residents' needs from the anonymous counters", runReport},
	}
}

// run executes the subcommand named by args[0].
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	io := stdio{in: stdin, out: stdout, err: stderr, lang: orgtext.FromEnv(os.Getenv)}
	if organizerCommands[args0(args)] {
		io.lang = toolLang(args, os.Getenv) // orglang.go: --lang also read before parsing
	}
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		return nil
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return usageError(fmt.Sprintf("unknown command %q", args[0]))
	}
	return cmd.run(ctx, args[1:], io)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: okienko <command> [flags]\n\ncommands:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", name, cmds[name].summary)
	}
	b.WriteString("\nRun 'okienko <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}

// exitError ends okienko with a status code after its message was already
// printed (e.g. "3 problems found" after listing them).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a mistake on the command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) }

func exitCode(err error) int {
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}
