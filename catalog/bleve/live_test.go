package bleve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"okienko/bot"
	"okienko/bot/filewatch"
	"okienko/catalog"
	"okienko/catalog/catalogtest"
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

// TestReloadOfOneFileReindexesOnlyThatFile: a catalogue kept in many
// files; an edit of one file parses and re-indexes that file's services
// only, and searches see the edit; removing a file drops its services.
func TestReloadOfOneFileReindexesOnlyThatFile(t *testing.T) {
	dir := t.TempDir()
	files := catalogtest.Files(300, 30)
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cache := catalog.NewCache()
	live, err := NewLive(LiveConfig{
		Load: func() (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems) {
			c, probs := cache.Load(dir)
			th, _ := catalog.DefaultThesaurus()
			return c, th, probs
		},
		Delta:  cache.LastDelta,
		Grace:  10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	check := func(step string, want ReloadStats, services int) {
		t.Helper()
		if got := live.LastReload(); got != want {
			t.Errorf("%s: reload did %+v, want %+v", step, got, want)
		}
		if got := live.Current().Len(); got != services {
			t.Errorf("%s: %d services indexed, want %d", step, got, services)
		}
	}
	find := func(text string) []string {
		t.Helper()
		res, err := live.Current().Find(context.Background(), Query{Text: text, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.Service.ID)
		}
		return ids
	}
	check("start", ReloadStats{Whole: true, Files: 10, Indexed: 300}, 300)

	// Edit one service's name in the fifth file.
	edited := filepath.Join(dir, files[4].Name)
	first := catalogtest.Generate(300).Services[4*30]
	data := strings.Replace(string(files[4].Data), "name: "+first.Name, "name: Zzyzxowa pomoc sąsiedzka", 1)
	if data == string(files[4].Data) {
		t.Fatal("the edit did not apply")
	}
	write(t, edited, data)
	if ids := find("zzyzxowa"); len(ids) != 0 {
		t.Fatalf("found %v before the reload", ids)
	}
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	check("one file edited", ReloadStats{Files: 1, Indexed: 30}, 300)
	if ids := find("zzyzxowa"); len(ids) == 0 || ids[0] != first.ID {
		t.Errorf("search for the edited name found %v, want %s first", ids, first.ID)
	}

	// Nothing changed: nothing parsed or indexed.
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	check("no change", ReloadStats{Files: 0, Indexed: 0}, 300)

	// A file removed: its services are gone.
	if err := os.Remove(edited); err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	check("one file removed", ReloadStats{Files: 0, Indexed: 0}, 270)
	if ids := find("zzyzxowa"); len(ids) != 0 {
		t.Errorf("a removed service is still found: %v", ids)
	}

	// A broken edit keeps the running index; the fix is picked up.
	broken := filepath.Join(dir, files[0].Name)
	write(t, broken, strings.Replace(string(files[0].Data), "    category:", "    colour: red\n    category:", 1))
	if err := live.Reload(); err == nil {
		t.Fatal("a broken file was accepted")
	}
	check("broken edit", ReloadStats{Files: 0, Indexed: 0}, 270)
	write(t, broken, string(files[0].Data)+"# checked\n")
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	check("fixed", ReloadStats{Files: 1, Indexed: 30}, 270)
}

// write replaces a file as an editor does and moves its modification time
// on, so a coarse file-system clock cannot hide the change.
func write(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	next := time.Now().Add(time.Duration(len(data)%7+1) * time.Second)
	if err := os.Chtimes(name, next, next); err != nil {
		t.Fatal(err)
	}
}

// TestSearchesDuringFileByFileReloads: residents keep searching while
// edits of single files are applied to the shared index (run with -race):
// every search answers, and after the last reload the last edit is found.
func TestSearchesDuringFileByFileReloads(t *testing.T) {
	dir := t.TempDir()
	files := catalogtest.Files(200, 20)
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cache := catalog.NewCache()
	th, _ := catalog.DefaultThesaurus()
	live, err := NewLive(LiveConfig{
		Load: func() (*catalog.Catalog, *catalog.Thesaurus, catalog.Problems) {
			c, probs := cache.Load(dir)
			return c, th, probs
		},
		Delta:  cache.LastDelta,
		Grace:  time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				if _, err := live.Search(context.Background(), bot.SearchQuery{Text: "opiekunka dla mamy", Lang: "pl"}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	edited := filepath.Join(dir, files[3].Name)
	first := catalogtest.Generate(200).Services[3*20]
	var word string
	for i := range 20 { // more than maxUpdates: whole builds happen in between
		word = fmt.Sprintf("zzyzx%c", 'a'+i)
		write(t, edited, strings.Replace(string(files[3].Data), "name: "+first.Name, "name: "+word+" pomoc", 1))
		if err := live.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	res, err := live.Search(context.Background(), bot.SearchQuery{Text: word, Lang: "pl"})
	if err != nil || len(res.Services) == 0 || res.Services[0].ID != first.ID {
		t.Fatalf("search for the last edit: %+v, %v", res, err)
	}
}
