// Package dialogtest runs the conversation tests organizers write for their
// dialog scripts (dialogs/tests/*.yaml): each test talks to a fresh engine
// and checks what the bot said and did after every turn.
package dialogtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"okienko/bot"
	"okienko/bot/memory"
	"okienko/bot/orgtext"
	"okienko/bot/script"
	"okienko/bot/textnorm"
)

// Config says what the tests run against.
type Config struct {
	Script   *script.Script
	Searcher bot.Searcher // the catalogue; nil means searches find nothing
}

// Failure is one failed expectation, located in the test file.
type Failure struct {
	File    string
	Line    int
	Test    string
	Message string      // in English
	Text    orgtext.Msg // the message of the orgtext table, for In
}

// String formats the failure as path:line: test: message.
func (f Failure) String() string { return f.In(orgtext.English) }

// In formats the failure in lang (pl or en).
func (f Failure) In(lang string) string {
	msg := f.Message
	if f.Text.Format != "" {
		msg = orgtext.Sprintf(lang, f.Text.Format, f.Text.Args...)
	}
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Test, msg)
}

// Report counts the tests that passed and failed.
type Report struct {
	Passed, Failed int
	Failures       []Failure
}

// Run runs every test of the files.
func Run(ctx context.Context, cfg Config, files []script.TestFile) Report {
	var r Report
	for _, f := range files {
		for _, t := range f.Tests {
			fails := runTest(ctx, cfg, f.Name, t)
			if len(fails) == 0 {
				r.Passed++
				continue
			}
			r.Failed++
			r.Failures = append(r.Failures, fails...)
		}
	}
	return r
}

func runTest(ctx context.Context, cfg Config, file string, t script.Test) []Failure {
	fail := func(line int, format string, args ...any) Failure {
		return Failure{File: file, Line: line, Test: t.Name, Message: orgtext.Sprintf(orgtext.English, format, args...), Text: orgtext.Msg{Format: format, Args: args}}
	}
	now, err := t.Time()
	if err != nil {
		return []Failure{fail(t.Line, "bad time %q", t.At)}
	}
	cases := 0
	eng, err := bot.New(bot.Config{
		Script:   cfg.Script,
		Store:    memory.New(),
		Searcher: cfg.Searcher,
		Clock:    func() time.Time { return now },
		NewID:    func() string { cases++; return "T" + strconv.Itoa(cases) },
		Desk:     staffDesk{}, // as in production: cases reach staff, who answer in the chat
	})
	if err != nil {
		return []Failure{fail(t.Line, "cannot start the bot: %v", err)}
	}
	var (
		fails []Failure
		step  string
		lang  = t.Lang
	)
	if lang == "" {
		lang = script.Polish
	}
	var (
		shown []string            // the buttons of the bot's last reply
		ever  = map[string]bool{} // every button shown so far (old ones stay in a chat and can be pressed)
	)
	for i, turn := range t.Turns {
		if turn.Choose != "" && !ever[turn.Choose] {
			// The engine would take it as a misunderstanding; the
			// organizer meant a button that is not there.
			if len(shown) == 0 {
				fails = append(fails, fail(turn.Line, "choose: %s presses a button the bot has not shown: its last reply has no buttons", turn.Choose))
			} else {
				fails = append(fails, fail(turn.Line, "choose: %s presses a button the bot has not shown: its last reply offers %s", turn.Choose, strings.Join(shown, ", ")))
			}
			break
		}
		msg := bot.Message{Channel: "test", ChatID: "1", EventID: strconv.Itoa(i), Text: turn.Says, Choice: turn.Choose, Phone: turn.Phone, Language: t.Lang}
		events, err := eng.Handle(ctx, msg)
		if err != nil {
			fails = append(fails, fail(turn.Line, "the bot failed: %v", err))
			break
		}
		now = now.Add(time.Minute)
		for _, ev := range events {
			if ev.Kind == bot.EventStep {
				step = ev.Step
			}
		}
		var buttons []string
		replied := false
		for _, ev := range events {
			if ev.Kind == bot.EventReply {
				replied = true
				for _, c := range ev.Reply.Choices {
					buttons = append(buttons, c.ID)
					ever[c.ID] = true
				}
				if ev.Reply.Lang != "" {
					lang = ev.Reply.Lang
				}
			}
		}
		if replied {
			shown = buttons
		}
		if turn.Expect == nil {
			continue
		}
		for _, m := range check(*turn.Expect, events, step, lang) {
			fails = append(fails, fail(turn.Line, "after %q: %v", said(turn), m))
		}
	}
	return fails
}

func said(t script.Turn) string {
	switch {
	case t.Choose != "":
		return "[" + t.Choose + "]"
	case t.Phone != "":
		return "[" + t.Phone + "]"
	}
	return t.Says
}

// check compares one turn's events with what the test expects.
func check(e script.Expect, events []bot.Event, step, lang string) []orgtext.Msg {
	var (
		problems []orgtext.Msg
		replies  []string
		choices  []string
		offered  []string
		handoffs []*bot.Case
		crises   []string
		concerns []string
		erased   bool
	)
	for _, ev := range events {
		switch ev.Kind {
		case bot.EventReply:
			replies = append(replies, ev.Reply.Text)
			for _, c := range ev.Reply.Choices {
				choices = append(choices, c.ID)
			}
		case bot.EventSearch:
			offered = ev.Search.Results
		case bot.EventHandoff:
			handoffs = append(handoffs, ev.Handoff)
		case bot.EventCrisis:
			crises = append(crises, ev.Crisis)
		case bot.EventConcern:
			concerns = append(concerns, ev.Crisis)
		case bot.EventErasure:
			erased = true
		}
	}
	all := textnorm.Normalize(strings.Join(replies, "\n"))
	for _, s := range e.Says {
		if !strings.Contains(all, textnorm.Normalize(s)) {
			problems = append(problems, msg("the replies do not say %q; they were:\n%s", s, indent(replies)))
		}
	}
	for _, s := range e.NotSays {
		if strings.Contains(all, textnorm.Normalize(s)) {
			problems = append(problems, msg("the replies say %q but must not", s))
		}
	}
	if e.Step != "" && e.Step != step {
		problems = append(problems, msg("the conversation is at step %q, want %q", step, e.Step))
	}
	top := offered[:min(3, len(offered))]
	for _, id := range e.Offered {
		if !slices.Contains(top, id) {
			problems = append(problems, msg("service %s is not among the services offered %v", id, top))
		}
	}
	switch e.Handoff {
	case "yes":
		if len(handoffs) == 0 {
			problems = append(problems, msg("no handoff was raised"))
		}
	case "no":
		if len(handoffs) > 0 {
			problems = append(problems, msg("a handoff was raised"))
		}
	case "normal", "urgent":
		if len(handoffs) == 0 || string(handoffs[len(handoffs)-1].Urgency) != e.Handoff {
			problems = append(problems, msg("no %s handoff was raised", e.Handoff))
		}
	}
	switch e.Crisis {
	case "":
	case "yes":
		if len(crises) == 0 {
			problems = append(problems, msg("no crisis was recognised"))
		}
	case "no":
		if len(crises) > 0 {
			problems = append(problems, msg("a crisis (%s) was recognised", crises[0]))
		}
	case "concern":
		if len(concerns) == 0 {
			problems = append(problems, msg("no concern was raised (crises: %v)", crises))
		}
	default:
		if !slices.Contains(crises, e.Crisis) {
			problems = append(problems, msg("crisis %s was not recognised (got %v)", e.Crisis, crises))
		}
	}
	if e.Erased && !erased {
		problems = append(problems, msg("the data was not erased"))
	}
	for _, id := range e.Choices {
		if !slices.Contains(choices, id) {
			problems = append(problems, msg("choice %s is not offered (offered: %v)", id, choices))
		}
	}
	if e.Lang != "" && e.Lang != lang {
		problems = append(problems, msg("the language is %s, want %s", lang, e.Lang))
	}
	return problems
}

func msg(format string, args ...any) orgtext.Msg { return orgtext.Msg{Format: format, Args: args} }

func indent(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		for _, ll := range strings.Split(l, "\n") {
			b.WriteString("    | " + ll + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// staffDesk takes cases as a staff channel would, so that conversation
// tests see what residents see in production (staff answer in the chat,
// a case stays open); what it is handed is not checked here.
type staffDesk struct{}

func (staffDesk) Open(context.Context, bot.Case) error                { return nil }
func (staffDesk) Relay(context.Context, bot.CaseRef, bot.Entry) error { return nil }
func (staffDesk) Erased(context.Context, bot.CaseRef) error           { return nil }
