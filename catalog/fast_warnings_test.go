package catalog_test

import (
	"slices"
	"strconv"
	"testing"

	"okienko/catalog"
	"okienko/catalog/catalogtest"
)

// TestFastPathPlacesWarningsLikeThePositionalReader: a catalogue whose
// only problems are warnings (fields left untranslated, common in real
// catalogues) stays on the fast path, and its warnings name the same file,
// line and text as the positional reader's.
func TestFastPathPlacesWarningsLikeThePositionalReader(t *testing.T) {
	files := catalogtest.Files(300, 100)
	fast, fp := catalog.Parse(files)
	slow, sp := catalog.ParsePositional(files)
	if fast == nil || slow == nil {
		t.Fatalf("errors: fast %v, positional %v", fp, sp)
	}
	if sp.Errors() > 0 || len(sp) == 0 {
		t.Fatalf("the generated catalogue should have warnings only; positional reader: %d problems, %d errors", len(sp), sp.Errors())
	}
	lines := func(ps catalog.Problems) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.File+":"+strconv.Itoa(p.Line)+": "+p.Message)
		}
		return out
	}
	if got, want := lines(fp), lines(sp); !slices.Equal(got, want) {
		t.Errorf("fast path warnings differ from the positional reader's:\n got %d: %q…\nwant %d: %q…", len(got), first(got), len(want), first(want))
	}
	if len(fast.Services) != len(slow.Services) {
		t.Errorf("services: fast %d, positional %d", len(fast.Services), len(slow.Services))
	}
}

func first(s []string) []string { return s[:min(3, len(s))] }
