package script

import (
	"fmt"
	"io/fs"
	"path"
	"time"

	"okienko/bot/yamlfile"
)

// TestFile is a file of conversation tests written by organizers: a
// resident says X, and the replies must contain Y, the flow must be at step
// Z, service S must be offered, a handoff must be raised.
type TestFile struct {
	Name  string
	Tests []Test
}

// Test is one scripted conversation.
type Test struct {
	Name  string `yaml:"name"`
	Lang  string `yaml:"lang"` // the resident's app language; default pl
	At    string `yaml:"at"`   // the time of the conversation, RFC 3339; default a Tuesday 10:00
	Turns []Turn `yaml:"conversation"`
	Line  int    `yaml:"-"`
}

// Turn is what the resident does and what must follow.
type Turn struct {
	Says   string  `yaml:"resident"` // text typed
	Choose string  `yaml:"choose"`   // id of a button pressed
	Phone  string  `yaml:"phone"`    // a shared contact's number
	Expect *Expect `yaml:"expect"`
	Line   int     `yaml:"-"`
}

// Expect lists what must hold after a turn; empty fields are not checked.
type Expect struct {
	Says    []string `yaml:"says"`     // each appears in the replies (case and diacritics ignored)
	NotSays []string `yaml:"not_says"` // none appears
	Step    string   `yaml:"step"`     // the conversation waits at this step
	Offered []string `yaml:"offered"`  // these services are among the top results shown
	Handoff string   `yaml:"handoff"`  // "yes", "no", "normal" or "urgent"
	Crisis  string   `yaml:"crisis"`   // "yes", "no", "concern" (the resident was asked whether they are safe) or a crisis group name
	Erased  bool     `yaml:"erased"`   // the resident's data was erased
	Lang    string   `yaml:"lang"`     // the conversation's language afterwards
	Choices []string `yaml:"choices"`  // these button ids are offered
}

// DefaultTestTime is when tests happen unless they say otherwise: a working
// Tuesday morning in Warsaw.
var DefaultTestTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("CET", 3600))

// Time parses At, or returns DefaultTestTime.
func (t Test) Time() (time.Time, error) {
	if t.At == "" {
		return DefaultTestTime, nil
	}
	return time.Parse(time.RFC3339, t.At)
}

type testsFile struct {
	Tests []Test `yaml:"tests"`
}

// LoadTests reads every *.yaml file at the root of fsys as conversation
// tests; display prefixes file names in problems.
func LoadTests(fsys fs.FS, display string) ([]TestFile, Problems) {
	names, listProbs := yamlFiles(fsys, display)
	if listProbs != nil {
		return nil, listProbs
	}
	var (
		out   []TestFile
		probs Problems
	)
	for _, name := range names {
		shown := name
		if display != "" {
			shown = path.Join(filepathToSlash(display), name)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, yamlfile.Newf(shown, 1, 1, "cannot read: %v", pathlessError(err)))
			continue
		}
		var tf testsFile
		pos, p := yamlfile.Decode(shown, data, &tf, yamlfile.Options{MaxSize: MaxFileSize, MaxDepth: MaxDepth, Schema: "dialogs/tests/schema.json"})
		if p != nil {
			probs = append(probs, p...)
			continue
		}
		src := &source{name: shown, pos: pos}
		for i := range tf.Tests {
			t := &tf.Tests[i]
			tp := fmt.Sprintf("tests[%d]", i)
			t.Line = src.problem(tp, "").Line
			if t.Name == "" {
				probs = append(probs, src.problem(tp, "a test needs a name"))
			}
			if _, err := t.Time(); err != nil {
				probs = append(probs, src.problem(tp+".at", "at must be a time like 2026-11-24T10:00:00+01:00"))
			}
			if len(t.Turns) == 0 {
				probs = append(probs, src.problem(tp, "test %q has no conversation", t.Name))
			}
			for j := range t.Turns {
				turn := &t.Turns[j]
				turn.Line = src.problem(fmt.Sprintf("%s.conversation[%d]", tp, j), "").Line
				if turn.Says == "" && turn.Choose == "" && turn.Phone == "" {
					probs = append(probs, src.problem(fmt.Sprintf("%s.conversation[%d]", tp, j), "a turn needs resident, choose or phone"))
				}
				if e := turn.Expect; e != nil {
					switch e.Handoff {
					case "", "yes", "no", "normal", "urgent":
					default:
						probs = append(probs, src.problem(fmt.Sprintf("%s.conversation[%d].expect.handoff", tp, j), "handoff is yes, no, normal or urgent"))
					}
				}
			}
		}
		out = append(out, TestFile{Name: shown, Tests: tf.Tests})
	}
	return out, probs
}
