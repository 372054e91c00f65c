package main

import (
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"okienko/bot/orgtext"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/organizers/golden with the current output")

// The files in testdata/organizers are what organizers really produce: the
// bundled dialogs with ten typical mistakes (a tab, a wrong indentation, a
// duplicate key, a misspelt field, an unquoted colon, an unclosed quote, a
// word where a number belongs, an unquoted ">= 65", a step name with a
// typo, and a new topic file, saved with a byte order mark, that reuses a
// step name), a crisis rule ending with a full stop, office hours written
// "8-15", a catalogue spreadsheet saved by Excel in Windows-1250 with
// a cell over two lines, a YAML catalogue with a byte order mark, a test
// pressing a button that does not exist, and evaluation queries naming
// services the catalogue lacks. The golden files hold what the tools say
// about them, in English and in Polish.
func TestOrganizersToolsOnRealisticFiles(t *testing.T) {
	const dir = "testdata/organizers"
	// Search results depend on the catalogue and the ranking, which other
	// work changes: of catalog eval, only the warnings are golden.
	warningsOnly := func(s string) string {
		var keep []string
		for _, l := range strings.SplitAfter(s, "\n") {
			if strings.Contains(l, ": warning: ") || strings.Contains(l, ": ostrzeżenie: ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "")
	}
	cases := []struct {
		name   string
		args   []string
		filter func(string) string
	}{
		{"dialogs-check", []string{"dialogs", "check", dir + "/dialogs"}, nil},
		{"dialogs-test", []string{"dialogs", "test", dir + "/dialogs-ok"}, nil},
		{"catalog-check", []string{"catalog", "check", dir + "/catalog/katalog.yaml", dir + "/catalog/uslugi-excel.csv"}, nil},
		{"catalog-import", []string{"catalog", "import", dir + "/catalog/uslugi-excel.csv"}, nil},
		{"catalog-eval", []string{"catalog", "eval", "--queries", dir + "/catalog/zapytania.tsv"}, warningsOnly},
	}
	for _, tc := range cases {
		for _, lang := range []string{"en", "pl"} {
			t.Run(tc.name+"."+lang, func(t *testing.T) {
				out, errOut, err := runCapture("", append(tc.args, "--lang", lang)...)
				if tc.filter != nil {
					out = tc.filter(out)
				}
				code := 0
				if err != nil {
					code = exitCode(err)
				}
				got := fmt.Sprintf("$ okienko %s\nexit status %d\n--- stdout\n%s--- stderr\n%s", strings.Join(tc.args, " "), code, out, errOut)
				golden(t, filepath.Join(dir, "golden", tc.name+"."+lang+".txt"), got)
			})
		}
	}
}

// A Polish locale gives Polish messages without --lang.
func TestOrganizersToolsFollowTheLocale(t *testing.T) {
	t.Setenv("LANG", "pl_PL.UTF-8")
	out, _, _ := runCapture("", "dialogs", "check", "testdata/organizers/dialogs")
	if !strings.Contains(out, "tekst z dwukropkiem ujmij w cudzysłów") || !strings.Contains(out, "użyj spacji zamiast tabulatora") {
		t.Errorf("LANG=pl_PL.UTF-8 gives:\n%s", out)
	}
	t.Setenv("LANG", "en_GB.UTF-8")
	out, _, _ = runCapture("", "dialogs", "check", "testdata/organizers/dialogs")
	if !strings.Contains(out, "a text with a colon must be in quotes") {
		t.Errorf("LANG=en_GB.UTF-8 gives:\n%s", out)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestDialogsGraphSVG draws the bundled dialogs as SVG with the real
// Mermaid library (installed by npm ci in bot/web/testdata/mermaid) in a
// local headless Chromium, without network: the result is a well-formed
// SVG file with every step of the topic.
func TestDialogsGraphSVG(t *testing.T) {
	const library = "../../bot/web/testdata/mermaid/node_modules/mermaid/dist/mermaid.min.js"
	_, errLib := os.Stat(library)
	_, errBrowser := exec.LookPath("chromium")
	if errLib != nil || errBrowser != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("needs Chromium and %s (npm ci in bot/web/testdata/mermaid): %v %v", library, errLib, errBrowser)
		}
		t.Skipf("needs Chromium and %s: %v %v", library, errLib, errBrowser)
	}
	out, errOut, err := runCapture("", "dialogs", "graph", "../../dialogs", "--step", "seniorzy_potrzeba", "--format", "svg", "--mermaid", library)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	dec := xml.NewDecoder(strings.NewReader(out))
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%.300s", err, out)
		}
		if cd, ok := tok.(xml.CharData); ok {
			text.Write(cd)
		}
	}
	if !strings.HasPrefix(out, "<svg") {
		t.Errorf("output starts %.80q", out)
	}
	for _, want := range []string{"seniorzy_potrzeba", "szukaj", "czy_pomoglo", "W każdym kroku"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	// Without the library the command says what it needs.
	_, _, err = runCapture("", "dialogs", "graph", "../../dialogs", "--format", "svg", "--mermaid", "")
	if err == nil || !strings.Contains(err.Error(), "needs the Mermaid library") {
		t.Errorf("err = %v", err)
	}
}

// TestDialogsGraphSVGSaysWhyChromiumFailed: when Chromium fails, the
// organizer reads Chromium's own reason, not only its exit status.
func TestDialogsGraphSVGSaysWhyChromiumFailed(t *testing.T) {
	dir := t.TempDir()
	browser := filepath.Join(dir, "chromium")
	script := "#!/bin/sh\necho 'starting' >&2\necho 'Missing X server or $DISPLAY' >&2\nexit 1\n"
	if err := os.WriteFile(browser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	library := filepath.Join(dir, "mermaid.min.js")
	if err := os.WriteFile(library, []byte("// not used"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OKIENKO_CHROMIUM", browser)
	_, err := mermaidSVG(context.Background(), "flowchart TD\n  a --> b\n", library)
	if err == nil || !strings.Contains(err.Error(), "exit status 1: Missing X server or $DISPLAY") {
		t.Errorf("err = %v; want Chromium's reason", err)
	}
}

// organizerRun runs an organizers' command as `okienko` does for a resident of
// the shell: what it prints and the closing "okienko: …" line.
func organizerRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := runCapture("xyzzy\n", args...)
	var exit exitError
	if err != nil && !errors.As(err, &exit) {
		errOut += errorLine(toolLang(args, os.Getenv), err) + "\n"
	}
	return out + errOut
}

// englishLeft lists the lines of out that are still English: a piece of a
// message of the English table (its text between the verbs, of two words
// or more), or common English words.
func englishLeft(out string) []string {
	var pieces []string
	for en, pl := range orgtext.Table() {
		if en == pl {
			continue
		}
		for _, piece := range regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]|\n`).Split(en, -1) {
			if piece = strings.TrimSpace(piece); len(strings.Fields(piece)) >= 2 && len(piece) >= 10 {
				pieces = append(pieces, piece)
			}
		}
	}
	words := regexp.MustCompile(`(?i)\b(the|is|are|must|should|needs?|use|usage|flags?|default|found|errors?|warnings?|file|not|no|with|and|or|of)\b`)
	var left []string
	for _, line := range strings.Split(out, "\n") {
		if words.MatchString(line) {
			left = append(left, line)
			continue
		}
		for _, p := range pieces {
			if strings.Contains(line, p) {
				left = append(left, line)
				break
			}
		}
	}
	return left
}

// With a Polish locale, nothing an organizers' command prints on the
// fixtures is English: not the problems, not the summaries, not the help,
// flag mistakes or the closing error line. The same runs in English show
// that the check finds English where there is some.
func TestOrganizersToolsSpeakPolishThroughout(t *testing.T) {
	const dir = "testdata/organizers"
	runs := [][]string{
		{"dialogs", "check", dir + "/dialogs"},
		{"dialogs", "test", dir + "/dialogs-ok"},
		{"dialogs", "graph", dir + "/dialogs-ok", "--format", "svg", "--mermaid", ""},
		{"dialogs", "graph", dir + "/dialogs-ok", "--step", "nie_ma_takiego"},
		{"catalog", "check", dir + "/catalog/katalog.yaml", dir + "/catalog/uslugi-excel.csv"},
		{"catalog", "import", dir + "/catalog/uslugi-excel.csv"},
		{"catalog", "import", dir + "/catalog/brak.csv"},
		{"catalog", "eval", "--queries", dir + "/catalog/zapytania.tsv"},
		{"catalog", "eval", "--queries", dir + "/catalog"},
		{"catalog", "search"},
		{"dialogs"},
		{"catalog", "fly"},
		{"dialogs", "check", "--colour"},
		{"dialogs", "check", "--lang", "de"},
		{"catalog", "search", "--limit", "many"},
		{"catalog", "eval"},
		{"dialogs", "-h"},
		{"catalog", "-h"},
	}
	for _, sub := range []string{"dialogs check", "dialogs test", "dialogs graph", "catalog check", "catalog import", "catalog eval", "catalog search"} {
		runs = append(runs, append(strings.Fields(sub), "-h"))
	}
	for _, args := range runs {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Setenv("LANG", "pl_PL.UTF-8")
			pl := organizerRun(t, args...)
			if left := englishLeft(pl); len(left) > 0 {
				t.Errorf("LANG=pl_PL.UTF-8 okienko %s prints English:\n%s\n--- all of it:\n%s", strings.Join(args, " "), strings.Join(left, "\n"), pl)
			}
			t.Setenv("LANG", "en_GB.UTF-8")
			if en := organizerRun(t, args...); len(englishLeft(en)) == 0 {
				t.Errorf("the check finds no English in the English output either:\n%s", en)
			}
		})
	}
}

// The operators' commands keep English whatever the locale.
func TestOperatorsCommandsStayEnglish(t *testing.T) {
	t.Setenv("LANG", "pl_PL.UTF-8")
	args := []string{"report", "--bogus"}
	_, _, err := runCapture("", args...)
	if line := errorLine(toolLang(args, os.Getenv), err); line != "okienko: flag provided but not defined: -bogus" {
		t.Errorf("got %q", line)
	}
}
