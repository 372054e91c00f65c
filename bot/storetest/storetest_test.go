package storetest_test

import (
	"testing"

	"okienko/bot"
	"okienko/bot/memory"
	"okienko/bot/storetest"
)

// The in-process store is the reference the others are held to.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.SessionStore { return memory.New() })
}
