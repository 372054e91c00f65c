package script

import (
	"testing"
)

func TestLoadBundledDialogs(t *testing.T) {
	sc, probs := LoadDir("../../dialogs")
	for _, p := range probs {
		t.Log(p)
	}
	if sc == nil {
		t.Fatalf("bundled dialogs do not load: %d errors", probs.Errors())
	}
	if len(probs) != 0 {
		t.Errorf("bundled dialogs have %d problems, want none", len(probs))
	}
}
