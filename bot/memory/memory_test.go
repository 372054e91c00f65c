package memory_test

import (
	"testing"

	"okienko/bot"
	"okienko/bot/memory"
	"okienko/bot/storetest"
)

// TestContract holds the in-process store to the behaviour every session
// store keeps.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.SessionStore { return memory.New() })
}
