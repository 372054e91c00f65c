// Package tsvtest reads the labelled sets tests measure rules on
// ("text<TAB>label" lines, # comments and blank lines skipped), so that
// every evaluation reads them the same way.
package tsvtest

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// Pairs reads "text<TAB>label" lines of the file at path; a line without
// a tab fails the test.
func Pairs(tb testing.TB, path string) [][2]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, label, ok := strings.Cut(line, "\t")
		if !ok {
			tb.Fatalf("%s: no tab in %q", path, line)
		}
		out = append(out, [2]string{text, label})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return out
}
