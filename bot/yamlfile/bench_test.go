package yamlfile

import (
	"os"
	"testing"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// The bundled dialog file, and the same file with the ten typical mistakes
// of cmd/okienko/testdata/organizers (read as a generic mapping).
func benchFiles(b *testing.B) (good, broken []byte) {
	b.Helper()
	good, err := os.ReadFile("../../dialogs/okienko.yaml")
	if err != nil {
		b.Fatal(err)
	}
	broken, err = os.ReadFile("../../cmd/okienko/testdata/organizers/dialogs/okienko.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return good, broken
}

// BenchmarkDecodeAll reads a correct file with every check (encoding,
// tabs, anchors, duplicates, positions, strict decoding); the baseline is
// the YAML library alone (parse and decode) on the same file.
func BenchmarkDecodeAll(b *testing.B) {
	good, broken := benchFiles(b)
	b.Run("baseline-library-only", func(b *testing.B) {
		for b.Loop() {
			f, err := parser.ParseBytes(good, 0)
			if err != nil {
				b.Fatal(err)
			}
			var v map[string]any
			if err := yaml.NodeToValue(f.Docs[0].Body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("correct-file", func(b *testing.B) {
		for b.Loop() {
			var v map[string]any
			if d := DecodeAll("f", good, &v, Options{}); len(d.Problems) > 0 {
				b.Fatal(d.Problems)
			}
		}
	})
	b.Run("ten-mistakes", func(b *testing.B) {
		for b.Loop() {
			var v map[string]any
			if d := DecodeAll("f", broken, &v, Options{}); len(d.Problems) < 5 {
				b.Fatal(d.Problems)
			}
		}
	})
}
