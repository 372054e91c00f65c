package bleve

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/filewatch"
	"okienko/catalog"
)

const liveCatalog = `services:
  - id: noclegownia
    name: Noclegownia
    category: mieszkanie
    summary: Nocleg dla osób bezdomnych.
    provider: {name: CUS}
`

// TestHotReload: a serving bot picks up an edited catalogue; an invalid
// edit keeps the running index and logs where the problem is.
func TestHotReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "catalog.yaml")
	if err := os.WriteFile(file, []byte(liveCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	live, err := NewLive(LiveConfig{
		Load: func() (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems) {
			c, probs := catalog.Load(file)
			th, _ := catalog.DefaultThesaurus()
			return c, th, probs
		},
		Grace:  10 * time.Millisecond,
		Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reloaded := make(chan error, 10)
	if err := filewatch.Watch(ctx, filewatch.Config{Paths: []string{file}, Debounce: 50 * time.Millisecond}, func() { reloaded <- live.Reload() }); err != nil {
		t.Fatal(err)
	}
	find := func(text string) []string {
		res, err := live.Search(context.Background(), bot.SearchQuery{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range res.Services {
			ids = append(ids, s.ID)
		}
		return ids
	}
	if got := find("opiekunka"); len(got) != 0 {
		t.Fatalf("before the edit: %v", got)
	}

	// An organizer adds a service (the editor saves via a temporary file).
	added := liveCatalog + "  - id: uslugi-opiekuncze\n    name: Usługi opiekuńcze\n    category: seniorzy\n    summary: Opiekunka w domu.\n    provider: {name: CUS}\n"
	tmp := file + ".tmp"
	os.WriteFile(tmp, []byte(added), 0o644)
	os.Rename(tmp, file)
	if err := waitReload(t, reloaded); err != nil {
		t.Fatalf("valid edit: %v", err)
	}
	if got := find("opiekunka"); len(got) == 0 || got[0] != "uslugi-opiekuncze" {
		t.Fatalf("after the edit: %v", got)
	}

	// A broken edit: the running index stays, the log says where.
	os.WriteFile(file, []byte(strings.Replace(added, "id: uslugi-opiekuncze", "id: Usługi!", 1)), 0o644)
	if err := waitReload(t, reloaded); err == nil {
		t.Fatal("a broken catalogue was accepted")
	}
	if got := find("opiekunka"); len(got) == 0 || got[0] != "uslugi-opiekuncze" {
		t.Errorf("after a broken edit the old index should serve: %v", got)
	}
	if want := file + ":7:9"; !strings.Contains(logs.String(), want) {
		t.Errorf("log does not point at %s:\n%s", want, logs.String())
	}
}

func waitReload(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10 s")
		return nil
	}
}
