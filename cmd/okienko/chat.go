package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"okienko/bot"
	"okienko/bot/textnorm"
)

// runChat lets a person talk to the bot in a terminal, or a script feed it
// one resident message per line.
func runChat(ctx context.Context, args []string, stdio stdio) error {
	fl := flag.NewFlagSet("chat", flag.ContinueOnError)
	fl.SetOutput(stdio.err)
	lang := fl.String("lang", "", "the resident's language at start: pl, uk or en (default: Polish, or Ukrainian when the first message is in Cyrillic)")
	dir := fl.String("dialogs", "", "folder of dialog scripts (default: ./dialogs if present, else the bundled ones)")
	jsonOut := fl.Bool("json", false, "print one JSON object per engine event")
	var cat catalogFlags
	cat.register(fl)
	var stf storeFlags
	stf.register(fl)
	if err := fl.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fl.NArg() > 0 {
		return usageError("chat takes no arguments; type messages on standard input")
	}
	sc, err := loadScript(openDialogs(*dir), stdio, false)
	if err != nil {
		return err
	}
	searcher, err := cat.searcher(stdio)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stdio.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := stf.open(ctx, stdio, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	eng, err := bot.New(bot.Config{
		Script:   sc,
		Store:    store,
		Searcher: searcher,
		Logger:   logger,
	})
	if err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	interactive := isTerminal(stdio.in) && !*jsonOut
	t := &terminal{eng: eng, out: stdio.out, lang: *lang, json: *jsonOut, echo: !interactive && !*jsonOut, run: runID()}
	if interactive {
		fmt.Fprintln(stdio.out, "Okienko — rozmowa w terminalu. Ctrl+D kończy. Wybieraj numerem albo pisz własnymi słowami.")
		if err := t.send(ctx, "/start"); err != nil {
			return err
		}
	}
	in := bufio.NewScanner(stdio.in)
	in.Buffer(make([]byte, 64*1024), 64*1024)
	for {
		if interactive {
			fmt.Fprint(stdio.out, "> ")
		}
		if !in.Scan() {
			break
		}
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		if err := t.send(ctx, line); err != nil {
			return err
		}
	}
	if interactive {
		fmt.Fprintln(stdio.out)
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}

// terminal is the chat channel for a terminal or a script.
type terminal struct {
	eng     *bot.Engine
	out     io.Writer
	lang    string
	json    bool
	echo    bool
	choices []bot.Choice // the buttons of the last reply, answered by number or label
	run     string       // unique per run, so a Redis kept between runs never takes a line for a redelivery
	n       int
}

// send passes one line to the engine and prints what it produced.
func (t *terminal) send(ctx context.Context, line string) error {
	t.n++
	msg := bot.Message{Channel: "terminal", ChatID: "1", EventID: t.run + "-" + strconv.Itoa(t.n), Text: line, Language: t.lang}
	if id, ok := t.pressed(line); ok {
		msg.Text, msg.Choice = "", id
	}
	if t.echo {
		fmt.Fprintf(t.out, "> %s\n", line)
	}
	events, err := t.eng.Handle(ctx, msg)
	if err != nil {
		slog.Warn("handle message", "err", err)
	}
	for _, ev := range events {
		if t.json {
			data, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("encode event: %w", err)
			}
			fmt.Fprintln(t.out, string(data))
			continue
		}
		if ev.Kind == bot.EventReply {
			t.print(ev.Reply)
		}
	}
	for _, ev := range events {
		if ev.Kind == bot.EventReply && ev.Reply.Choices != nil {
			t.choices = ev.Reply.Choices
		}
	}
	return nil
}

// pressed maps a number or a label typed by the resident to the button of
// the last reply.
func (t *terminal) pressed(line string) (string, bool) {
	if n, err := strconv.Atoi(strings.TrimSuffix(line, ".")); err == nil && n >= 1 && n <= len(t.choices) {
		return t.choices[n-1].ID, true
	}
	for _, c := range t.choices {
		if textnorm.Normalize(c.Label) == textnorm.Normalize(line) {
			return c.ID, true
		}
	}
	return "", false
}

func (t *terminal) print(r *bot.Reply) {
	if r.Text != "" {
		fmt.Fprintf(t.out, "Okienko: %s\n", strings.ReplaceAll(r.Text, "\n", "\n         "))
	}
	for i, c := range r.Choices {
		fmt.Fprintf(t.out, "  %d) %s\n", i+1, c.Label)
	}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runID is a random id for one terminal session.
func runID() string { return bot.RandomID(6) }
