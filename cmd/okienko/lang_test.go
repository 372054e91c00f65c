package main

import (
	"os"
	"testing"
)

// TestMain runs the tests in the English of the tools whatever the
// machine's locale; tests of the Polish messages ask for them.
func TestMain(m *testing.M) {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES"} {
		os.Unsetenv(v)
	}
	os.Setenv("LANG", "C.UTF-8")
	os.Exit(m.Run())
}
