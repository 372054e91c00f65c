package catalog

import "testing"

// FuzzParse feeds arbitrary bytes as a YAML and as a CSV catalogue: the
// answer is a catalogue or problems with positions, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(csvGood))
	f.Add([]byte("services:\n  - id: a\n    name: [\n"))
	f.Add([]byte("id;name\n\"x;y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.yaml", "f.csv"} {
			c, probs := Parse([]File{{Name: name, Data: data}})
			if c == nil && probs.Errors() == 0 {
				t.Fatalf("%s: no catalogue and no errors", name)
			}
			for _, p := range probs {
				if p.Line < 1 || p.Col < 1 {
					t.Fatalf("%s: problem without a position: %v", name, p)
				}
			}
		}
	})
}
