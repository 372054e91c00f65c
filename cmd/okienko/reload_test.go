package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"okienko/bot"
	"okienko/bot/logtest"
	"okienko/bot/memory"
)

// TestDialogsHotReload: an organizer edits the greeting of a running bot;
// a broken edit keeps the running version and is logged with its position.
func TestDialogsHotReload(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"okienko.yaml", "crisis.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../dialogs", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	src := openDialogs(dir)
	var logs logtest.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	sc, err := loadScript(src, stdio{err: &logs}, false)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Script: sc, Store: memory.New(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := watchDialogs(ctx, src, eng, logger); err != nil {
		t.Fatal(err)
	}
	n := 0
	greeting := func() string {
		n++
		events, err := eng.Handle(context.Background(), bot.Message{Channel: "t", ChatID: strconv.Itoa(n), EventID: "1", Text: "/start"})
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, ev := range events {
			if ev.Kind == bot.EventReply {
				text.WriteString(ev.Reply.Text)
			}
		}
		return text.String()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("timed out: %s\n%s", what, logs.String())
	}
	file := filepath.Join(dir, "okienko.yaml")
	data, _ := os.ReadFile(file)
	edited := strings.Replace(string(data), "Dzień dobry! Jestem Okienko", "Witaj! Jestem Okienko", 1)
	os.WriteFile(file, []byte(edited), 0o644)
	waitFor("the edited greeting", func() bool { return strings.Contains(greeting(), "Witaj! Jestem Okienko") })

	broken := strings.Replace(edited, "start: powitanie", "start: powitanko", 1)
	os.WriteFile(file, []byte(broken), 0o644)
	waitFor("the problem logged", func() bool { return strings.Contains(logs.String(), "start names a missing step") })
	if !strings.Contains(logs.String(), file+":") {
		t.Errorf("the log does not name the file and line:\n%s", logs.String())
	}
	if !strings.Contains(greeting(), "Witaj! Jestem Okienko") {
		t.Error("a broken edit replaced the running dialogs")
	}

	// A new topic file saved by Notepad on Polish Windows is refused,
	// naming the encoding.
	os.WriteFile(file, []byte(edited), 0o644)
	win, err := charmap.Windows1250.NewEncoder().String("steps:\n  zdrowie:\n    say: Zdrowie, leczenie, świadczenia.\n    next: temat\n")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "zdrowie.yaml"), []byte(win), 0o644)
	waitFor("the encoding refused", func() bool { return strings.Contains(logs.String(), "the file is saved as Windows-1250") })
	if g := greeting(); !strings.Contains(g, "Witaj! Jestem Okienko") {
		t.Errorf("a Windows-1250 edit replaced the running dialogs: %q", g)
	}
}
