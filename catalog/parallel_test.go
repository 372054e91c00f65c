package catalog_test

import (
	"reflect"
	"testing"

	"okienko/catalog"
	"okienko/catalog/catalogtest"
)

// TestParseManyFilesInOrder: the fast reader decodes the files of a
// catalogue on every core; the catalogue is the one the positional reader
// reads, services in file order (run with -race).
func TestParseManyFilesInOrder(t *testing.T) {
	files := catalogtest.Files(600, 50) // 12 files
	fast, probs := catalog.Parse(files)
	if fast == nil {
		t.Fatal(probs)
	}
	slow, probs := catalog.ParsePositional(files)
	if slow == nil {
		t.Fatal(probs)
	}
	if len(fast.Services) != 600 || !reflect.DeepEqual(fast.Services, slow.Services) {
		t.Fatalf("fast reader: %d services, differ from the positional reader's %d", len(fast.Services), len(slow.Services))
	}
	want := catalogtest.Generate(600)
	for i, s := range fast.Services {
		if s.ID != want.Services[i].ID {
			t.Fatalf("service %d is %s, want %s (file order)", i, s.ID, want.Services[i].ID)
		}
	}
}

// TestParseManyFilesOneBad: one file with an error among many sends the
// catalogue to the positional reader, which names the file and line.
func TestParseManyFilesOneBad(t *testing.T) {
	files := catalogtest.Files(300, 50)
	files[4].Data = append(append([]byte(nil), files[4].Data...), "  - id: Bad Id\n"...)
	c, probs := catalog.Parse(files)
	if c != nil {
		t.Fatal("a catalogue with an error was accepted")
	}
	if err := probs.Err(); err == nil {
		t.Fatal("no problem reported")
	}
	found := false
	for _, p := range probs {
		if !p.Warning && p.File == files[4].Name && p.Line > 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no error placed in %s: %v", files[4].Name, probs.Err())
	}
}
