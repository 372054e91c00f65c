package bleve

import (
	"reflect"
	"testing"

	"okienko/bot"
)

// TestCacheKeyCoversTheQuery: every field of a search query changes the
// cache key, so that a field added to bot.SearchQuery later cannot make
// two different searches share a cached answer unnoticed.
func TestCacheKeyCoversTheQuery(t *testing.T) {
	base := bot.SearchQuery{Text: "opiekunka", Lang: "pl", Category: "seniorzy", Audience: "seniorzy", Limit: 3}
	v := reflect.ValueOf(base)
	for i := range v.NumField() {
		q := base
		f := reflect.ValueOf(&q).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int:
			f.SetInt(f.Int() + 1)
		default:
			t.Fatalf("bot.SearchQuery.%s is a %s: teach keyOf (cache.go) and this test about it", v.Type().Field(i).Name, f.Kind())
		}
		if keyOf(q) == keyOf(base) {
			t.Errorf("bot.SearchQuery.%s does not change the cache key: add it to keyOf (cache.go)", v.Type().Field(i).Name)
		}
	}
	// Length prefixes: moving text between fields changes the key.
	if keyOf(bot.SearchQuery{Text: "ab", Lang: "c"}) == keyOf(bot.SearchQuery{Text: "a", Lang: "bc"}) {
		t.Error("fields run into each other in the key")
	}
}
