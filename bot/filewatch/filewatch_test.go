package filewatch

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to 5 s: file events arrive asynchronously.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5 s")
}

func TestEditorSaveIsOneChange(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "catalog.yaml")
	os.WriteFile(target, []byte("a"), 0o644)
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Watch(ctx, Config{Paths: []string{target}, Debounce: 100 * time.Millisecond}, func() { calls.Add(1) }); err != nil {
		t.Fatal(err)
	}
	// An editor's save: write a temporary file, rename it over the target,
	// several times in a burst.
	for i := 0; i < 3; i++ {
		tmp := filepath.Join(dir, ".catalog.yaml.swp")
		os.WriteFile(tmp, []byte("b"), 0o644)
		os.Rename(tmp, target)
	}
	waitFor(t, func() bool { return calls.Load() >= 1 })
	time.Sleep(300 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Errorf("a burst of saves gave %d calls, want 1", n)
	}
	// The watch survives the rename: a later save is seen too.
	os.WriteFile(target, []byte("c"), 0o644)
	waitFor(t, func() bool { return calls.Load() == 2 })
}

func TestFolderFiltersByExtension(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Watch(ctx, Config{Paths: []string{dir}, Extensions: []string{".yaml", ".csv"}, Debounce: 50 * time.Millisecond}, func() { calls.Add(1) }); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	time.Sleep(200 * time.Millisecond)
	if calls.Load() != 0 {
		t.Fatal("a .txt file triggered a reload")
	}
	os.WriteFile(filepath.Join(dir, "more.csv"), []byte("x"), 0o644)
	waitFor(t, func() bool { return calls.Load() == 1 })
}

func TestMissingPathIsAnError(t *testing.T) {
	err := Watch(context.Background(), Config{Paths: []string{filepath.Join(t.TempDir(), "nope", "x.yaml")}}, func() {})
	if err == nil {
		t.Error("watching a missing folder did not fail")
	}
}
