package bot_test

import (
	"sync"
	"testing"

	"okienko/bot"
	"okienko/catalog"
	catbleve "okienko/catalog/bleve"
)

var (
	sampleOnce  sync.Once
	sampleIndex *catbleve.Index
	sampleErr   error
)

// testSearcher is the catalogue the transcripts search: the bundled sample
// with the bundled thesaurus, built once per test binary.
func testSearcher(t testing.TB) bot.Searcher {
	t.Helper()
	sampleOnce.Do(func() {
		c, probs := catalog.Sample()
		th, tprobs := catalog.DefaultThesaurus()
		if c == nil || th == nil {
			sampleErr = append(probs, tprobs...).Err()
			return
		}
		sampleIndex, sampleErr = catbleve.New(catbleve.Config{Catalog: c, Thesaurus: th})
	})
	if sampleErr != nil {
		t.Fatalf("sample catalogue: %v", sampleErr)
	}
	return sampleIndex
}
