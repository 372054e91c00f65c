package catalog

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"okienko/bot/yamlfile"
)

// positional decodes data the way the positional reader does.
func positional(data []byte) (Catalog, Problems) {
	var c Catalog
	_, probs := yamlfile.Decode("f.yaml", data, &c, yamlfile.Options{MaxSize: MaxFileSize, MaxDepth: maxDepth})
	return c, probs
}

// sameAsPositional fails when the fast path accepts data and the
// positional reader does not, or reads it differently.
func sameAsPositional(t *testing.T, name string, data []byte) (fast bool) {
	t.Helper()
	var got Catalog
	if !decodeFast(data, &got) {
		return false
	}
	want, probs := positional(data)
	if len(probs) > 0 {
		t.Fatalf("%s: the fast path accepted a file the positional reader rejects: %v", name, probs)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got.Services), len(want.Services)) {
			if !reflect.DeepEqual(got.Services[i], want.Services[i]) {
				t.Fatalf("%s: service %d differs:\nfast:       %#v\npositional: %#v", name, i, got.Services[i], want.Services[i])
			}
		}
		t.Fatalf("%s: the fast path read %d services, the positional reader %d", name, len(got.Services), len(want.Services))
	}
	return true
}

// TestFastPathReadsWhatOrganizersWrite: the bundled sample (folded texts,
// flow lists, quotes, comments), the holdout town and the test files are
// all read by the fast path, exactly as the positional reader reads them.
func TestFastPathReadsWhatOrganizersWrite(t *testing.T) {
	files := map[string][]byte{"good": []byte(good)}
	for _, p := range []string{"data/sample.yaml", "testdata/holdout/catalog.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = b
	}
	for name, data := range files {
		if !sameAsPositional(t, name, data) {
			t.Errorf("%s: not read by the fast path", name)
		}
	}
}

// TestFastPathGivesUpOnWhatItDoesNotKnow: every form outside the subset is
// left to the positional reader (which then reports problems at their
// positions, see TestCheckReportsEachProblemAtItsPosition).
func TestFastPathGivesUpOnWhatItDoesNotKnow(t *testing.T) {
	const head = "services:\n  - id: a\n    name: A\n    category: inne\n    provider: {name: CUS}\n"
	tests := map[string]string{
		"unknown field":        head + "    colour: red\n",
		"duplicate key":        head + "    name: B\n",
		"anchor":               "services:\n  - id: &x a\n",
		"alias":                head + "    summary: *x\n",
		"tag":                  head + "    summary: !str x\n",
		"multi-line plain":     head + "    summary: one\n      two\n",
		"tab":                  head + "    summary:\tx\n",
		"CRLF":                 strings.ReplaceAll(head, "\n", "\r\n"),
		"number in text":       head + "    summary: 12\n",
		"bool in text":         head + "    summary: yes\n",
		"null":                 head + "    summary: ~\n",
		"empty value":          head + "    summary:\n",
		"colon in plain":       head + "    summary: Uwaga: to\n",
		"two documents":        head + "---\n" + head,
		"odd escape":           head + "    summary: \"a\\x41\"\n",
		"wrong type":           head + "    audience: seniorzy\n",
		"list for text":        head + "    summary: [a]\n",
		"trailing comma":       head + "    audience: [a, ]\n",
		"more-indented folded": head + "    description: >\n      a\n        b\n",
		"keep chomping":        head + "    description: |+\n      a\n",
		"bad indentation":      head + "     summary: x\n",
		"empty list item":      head + "    keywords:\n      -\n",
		"BOM":                  "\ufeff" + head,
	}
	for name, yaml := range tests {
		t.Run(name, func(t *testing.T) {
			if sameAsPositional(t, name, []byte(yaml)) {
				t.Errorf("the fast path read it; it should leave it to the positional reader")
			}
		})
	}
}

// TestParseFallsBackForPositions: a catalogue with a problem is parsed
// again with positions, so the problem names its line.
func TestParseFallsBackForPositions(t *testing.T) {
	data := strings.Replace(good, "id: klub-seniora", "id: uslugi-opiekuncze", 1)
	var c Catalog
	if !decodeFast([]byte(data), &c) {
		t.Fatal("the fast path should read the file (the problem is in the check)")
	}
	_, all := Parse([]File{{Name: "c.yaml", Data: []byte(data)}})
	var probs Problems
	for _, p := range all {
		if !p.Warning { // untranslated fields are warned about too
			probs = append(probs, p)
		}
	}
	if len(probs) != 1 || probs[0].Line != 7 {
		t.Fatalf("problems = %v, want the duplicate at line 7", probs)
	}
}

// FuzzFastMatchesPositional: whatever the fast path accepts, the
// positional reader accepts and reads the same.
func FuzzFastMatchesPositional(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("services:\n  - id: a\n    description: >-\n      one\n      two\n\n      three\n    keywords: [\"a, b\", 'c''d', e]\n    provider: {name: \"X\", phone: 55 000 00 00}\n"))
	f.Add([]byte("services:\n- id: a # comment\n  name: 'A'\n  cost: |\n    line\n    line\n"))
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			if data, ok := corpusBytes(b); ok {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsPositional(t, "fuzz", data)
	})
}

// corpusBytes reads the []byte of a "go test fuzz v1" corpus file.
func corpusBytes(b []byte) ([]byte, bool) {
	s := string(b)
	i := strings.Index(s, "[]byte(")
	if i < 0 {
		return nil, false
	}
	lit := strings.TrimSuffix(strings.TrimSpace(s[i+len("[]byte("):]), ")")
	out, err := unquoteGo(lit)
	return []byte(out), err == nil
}

func unquoteGo(s string) (string, error) { return strconv.Unquote(s) }
