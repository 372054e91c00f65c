package crisis_test

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"

	"okienko/bot/crisis"
	"okienko/bot/script"
	"okienko/bot/textnorm"
	"okienko/dialogs"
)

// labelled is one message of a labelled set.
type labelled struct {
	level crisis.Level // the expected outcome
	group string       // the expected group; "" when any group will do
	lang  string
	text  string
	file  string
	line  int
}

// readSet reads a labelled set in either format:
//
//	label<TAB>lang<TAB>message              label: crisis | ordinary (labelled.tsv)
//	label<TAB>group<TAB>lang<TAB>message    label: crisis | concern | none
func readSet(tb testing.TB, name string) []labelled {
	tb.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		m := labelled{file: name, line: n}
		switch {
		case len(p) == 3 && (p[0] == "crisis" || p[0] == "ordinary"):
			m.lang, m.text = p[1], p[2]
			if p[0] == "crisis" {
				m.level = crisis.Crisis
			}
		case len(p) == 4 && (p[0] == "crisis" || p[0] == "concern" || p[0] == "none"):
			m.group, m.lang, m.text = p[1], p[2], p[3]
			switch p[0] {
			case "crisis":
				m.level = crisis.Crisis
			case "concern":
				m.level = crisis.Concern
			default:
				m.group = ""
			}
		default:
			tb.Fatalf("%s:%d: want label<TAB>[group<TAB>]lang<TAB>message", name, n)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// bundledDetector compiles the crisis rules shipped in dialogs/.
func bundledDetector(tb testing.TB) *crisis.Detector {
	tb.Helper()
	sc, problems := script.Load(dialogs.Scripts(), "dialogs")
	if err := problems.Err(); err != nil {
		tb.Fatalf("bundled dialogs: %v", err)
	}
	d, err := sc.Crisis.Detector()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// figures are the measures of a detector on a labelled set.
type figures struct {
	danger, caught, strict, crises int // danger: crisis or concern labels; caught: given any safety answer
	grouped, rightGroup            int
	ordinary, alarms, concerns     int // alarms: any safety answer to an ordinary message
}

func (f figures) recall() float64      { return ratio(f.caught, f.danger) }
func (f figures) falseAlarms() float64 { return ratio(f.alarms, f.ordinary) }
func (f figures) String() string {
	return fmt.Sprintf("recall %.3f (%d/%d; crisis answered as crisis %d/%d), false alarms %.3f (%d/%d, of which concern %d), group accuracy %.3f (%d/%d)",
		f.recall(), f.caught, f.danger, f.strict, f.crises, f.falseAlarms(), f.alarms, f.ordinary, f.concerns,
		ratio(f.rightGroup, f.grouped), f.rightGroup, f.grouped)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// measure checks every message. Recall counts a message that needs help
// answered with a crisis or a concern (both give the numbers and ask
// directly); a false alarm is either on an ordinary message. Group accuracy
// counts caught messages answered with their labelled group.
func measure(t *testing.T, d *crisis.Detector, set []labelled, verbose bool) figures {
	t.Helper()
	var f figures
	for _, m := range set {
		r := d.Check(m.text)
		where := fmt.Sprintf("%s:%d (%s)", m.file, m.line, m.lang)
		if m.level == crisis.None {
			f.ordinary++
			if r.Level != crisis.None {
				f.alarms++
				if r.Level == crisis.Concern {
					f.concerns++
				}
				if verbose {
					t.Logf("false alarm %s/%s %s: %s", r.Level, r.Group, where, m.text)
				}
			}
			continue
		}
		f.danger++
		if m.level == crisis.Crisis {
			f.crises++
			if r.Level == crisis.Crisis {
				f.strict++
			}
		}
		if r.Level == crisis.None {
			if verbose {
				t.Logf("missed %s %s: %s", m.group, where, m.text)
			}
			continue
		}
		f.caught++
		if m.group != "" {
			f.grouped++
			if r.Group == m.group {
				f.rightGroup++
			} else if verbose {
				t.Logf("wrong group %s, want %s, %s: %s", r.Group, m.group, where, m.text)
			}
		}
		if verbose && m.level == crisis.Crisis && r.Level == crisis.Concern {
			t.Logf("only a concern %s: %s", where, m.text)
		}
	}
	return f
}

// TestHoldout holds the bundled rules to the targets of issue 15 on the
// frozen holdout, written before the rules were tuned and never changed
// since: recall ≥ 0.97 and false alarms ≤ 3 %.
func TestHoldout(t *testing.T) {
	set := readSet(t, "holdout.tsv")
	f := measure(t, bundledDetector(t), set, testing.Verbose())
	if f.danger < 100 || f.ordinary < 100 {
		t.Fatalf("the holdout needs ≥ 100 messages needing help and ≥ 100 ordinary ones, has %d and %d", f.danger, f.ordinary)
	}
	t.Logf("holdout: %v", f)
	if f.recall() < 0.97 {
		t.Errorf("holdout recall %.3f is below 0.97", f.recall())
	}
	if f.falseAlarms() > 0.03 {
		t.Errorf("holdout false alarm rate %.3f is above 0.03", f.falseAlarms())
	}
}

// holdoutSHA256 is the hash of holdout.tsv as committed, frozen, before any
// rule was tuned (commit 87e38a3). A new holdout goes into a new file.
const holdoutSHA256 = "99c07f7d43da31b080defe1200723ab97751d083862dd495cefc474d70cfc2fe"

// TestHoldoutIsFrozen fails when the holdout was edited after it was frozen.
func TestHoldoutIsFrozen(t *testing.T) {
	data, err := os.ReadFile("testdata/holdout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != holdoutSHA256 {
		t.Errorf("testdata/holdout.tsv changed (sha256 %s): the holdout is frozen; put new messages in dev.tsv or a new holdout file", got)
	}
}

// TestDevelopment measures the rules on the sets they were tuned on
// (labelled.tsv and dev.tsv); these figures are seen data, the holdout's
// are the ones that count.
func TestDevelopment(t *testing.T) {
	set := append(readSet(t, "labelled.tsv"), readSet(t, "dev.tsv")...)
	f := measure(t, bundledDetector(t), set, testing.Verbose())
	t.Logf("development: %v", f)
	if f.recall() < 0.98 {
		t.Errorf("development recall %.3f is below 0.98", f.recall())
	}
	if f.falseAlarms() > 0.02 {
		t.Errorf("development false alarm rate %.3f is above 0.02", f.falseAlarms())
	}
}

// BenchmarkDetect reports the cost of checking one message against every
// bundled rule, the price every message pays before any step runs (the
// issue's budget: 50 µs). BenchmarkFoldWords, splitting the same messages
// into folded words and nothing else, is the floor it is compared with.
func BenchmarkDetect(b *testing.B) {
	d := bundledDetector(b)
	set := append(readSet(b, "labelled.tsv"), readSet(b, "holdout.tsv")...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.Check(set[i%len(set)].text)
	}
}

func BenchmarkFoldWords(b *testing.B) {
	set := append(readSet(b, "labelled.tsv"), readSet(b, "holdout.tsv")...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		textnorm.PhraseWords(set[i%len(set)].text)
	}
}
