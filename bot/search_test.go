package bot_test

import (
	"testing"

	"okienko/bot"
)

// testSearcher is the catalogue the transcripts search.
func testSearcher(t testing.TB) bot.Searcher { return nil }
