package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runOK runs okienko with args and stdin and returns stdout; it fails the
// test on an error.
func runOK(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runCapture(stdin, args...)
	if err != nil {
		t.Fatalf("okienko %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func runCapture(stdin string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	_, errOut, err := runCapture("", "fly")
	if exitCode(err) != 2 || !strings.Contains(errOut, "usage: okienko") {
		t.Errorf("exit %d, stderr %q; want 2 and usage", exitCode(err), errOut)
	}
}

func TestDialogsCheckBundled(t *testing.T) {
	out := runOK(t, "", "dialogs", "check", "../../dialogs")
	if !strings.Contains(out, "0 errors, 0 warnings") {
		t.Errorf("check output:\n%s", out)
	}
}

func TestDialogsCheckReportsProblemsAndExits1(t *testing.T) {
	dir := t.TempDir()
	broken := "start: a\nsteps:\n  a:\n    say: Cześć\n    next: b\n"
	if err := os.WriteFile(filepath.Join(dir, "flow.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCapture("", "dialogs", "check", dir)
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	want := filepath.ToSlash(dir) + `/flow.yaml:5:11: transition to a missing step "b"`
	if !strings.Contains(out, want) {
		t.Errorf("output:\n%s\nwant a line %q", out, want)
	}
}

func TestDialogsTestBundled(t *testing.T) {
	out := runOK(t, "", "dialogs", "test", "../../dialogs")
	last := lastLine(out)
	if !strings.HasSuffix(last, " 0 failed") || strings.HasPrefix(last, "0 passed") {
		t.Errorf("dialogs test: %s", out)
	}
}

func TestDialogsTestFailureExits1(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../dialogs/okienko.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "okienko.yaml"), data, 0o644)
	os.Mkdir(filepath.Join(dir, "tests"), 0o755)
	test := "tests:\n  - name: zły test\n    conversation:\n      - resident: /start\n        expect: {step: nie_ma_takiego}\n"
	os.WriteFile(filepath.Join(dir, "tests", "t.yaml"), []byte(test), 0o644)
	out, _, err := runCapture("", "dialogs", "test", dir)
	if exitCode(err) != 1 || lastLine(out) != "0 passed, 1 failed" {
		t.Errorf("exit %d, output:\n%s", exitCode(err), out)
	}
	if !strings.Contains(out, "t.yaml:4: zły test:") {
		t.Errorf("failure not located: %s", out)
	}
}

func TestDialogsGraph(t *testing.T) {
	for format, want := range map[string]string{"mermaid": "flowchart TD", "dot": "digraph okienko {"} {
		out := runOK(t, "", "dialogs", "graph", "../../dialogs", "--format", format)
		if !strings.HasPrefix(out, want) || !strings.Contains(out, "temat") {
			t.Errorf("%s graph starts %q", format, out[:min(len(out), 80)])
		}
	}
}

func TestChatScripted(t *testing.T) {
	out := runOK(t, "/start\n1\n", "chat", "--dialogs", "../../dialogs")
	for _, want := range []string{"> /start", "Jestem Okienko", "1) Senior i opieka", "Dla kogo potrzebna jest pomoc?"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

func TestChatJSON(t *testing.T) {
	out := runOK(t, "/start\n/usun\n", "chat", "--json", "--dialogs", "../../dialogs")
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		kinds[ev.Kind]++
	}
	for _, k := range []string{"reply", "step", "erasure"} {
		if kinds[k] == 0 {
			t.Errorf("no %s event in:\n%s", k, out)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
