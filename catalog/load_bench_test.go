package catalog_test

import (
	"testing"

	"okienko/catalog"
	"okienko/catalog/catalogtest"
)

func BenchmarkParse(b *testing.B) {
	files := catalogtest.Files(5000, 1000)
	for b.Loop() {
		c, probs := catalog.Parse(files)
		if c == nil {
			b.Fatal(probs)
		}
	}
}
