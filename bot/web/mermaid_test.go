package web

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"okienko/bot/script"
	"okienko/bot/web/internal/browser"
	"okienko/dialogs"
)

// mermaidJS is the real Mermaid library, installed by `npm ci` in
// testdata/mermaid (.ci/run does it); node_modules is not committed.
const mermaidJS = "testdata/mermaid/node_modules/mermaid/dist/mermaid.min.js"

// TestDialogGraphRendersInMermaid draws the bundled dialogs with `dialogs
// graph --format mermaid` (the whole flow and one topic) and renders the
// text with the real Mermaid library in headless Chromium, served from
// disk with no network: a picture organizers paste into a Mermaid viewer
// must not fail to parse or lose its labels.
func TestDialogGraphRendersInMermaid(t *testing.T) {
	if _, err := os.Stat(mermaidJS); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run npm ci in bot/web/testdata/mermaid (CI=true)", mermaidJS)
		}
		t.Skipf("%s is missing: run npm ci in bot/web/testdata/mermaid", mermaidJS)
	}
	sc, probs := script.Load(dialogs.Scripts(), "dialogs")
	if sc == nil {
		t.Fatalf("bundled dialogs: %v", probs)
	}
	graphs := map[string]string{}
	for name, step := range map[string]string{"whole": "", "topic": "seniorzy_potrzeba"} {
		var b strings.Builder
		if err := sc.WriteGraphWith(&b, script.GraphOptions{Format: script.GraphMermaid, Step: step}); err != nil {
			t.Fatal(err)
		}
		graphs[name] = b.String()
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/mermaid.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, mermaidJS)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html><head><meta charset="utf-8"><script src="/mermaid.min.js"></script></head><body><div id="out"></div></body></html>`))
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	b := browser.Start(t, "pl-PL,pl")
	page := b.NewPage(1600, 1200)
	page.Navigate("http://" + ln.Addr().String() + "/")
	page.MustEval(`mermaid.initialize({startOnLoad: false, securityLevel: "strict", flowchart: {htmlLabels: false}}), true`, nil)

	for name, text := range graphs {
		t.Run(name, func(t *testing.T) {
			src, _ := json.Marshal(text)
			var svg string
			if err := page.Eval(`mermaid.render("g_`+name+`", `+string(src)+`).then(r => r.svg)`, &svg); err != nil {
				t.Fatalf("Mermaid does not render the graph: %v\n%s", err, text)
			}
			if !strings.HasPrefix(svg, "<svg") {
				t.Fatalf("no SVG: %.200s", svg)
			}
			// Every step of the text is a node of the picture, with its label.
			ids := regexp.MustCompile(`(?m)^  (s_[a-z0-9_]+)[(\[{]`).FindAllStringSubmatch(text, -1)
			if len(ids) < 5 {
				t.Fatalf("only %d steps drawn:\n%s", len(ids), text)
			}
			for _, m := range ids {
				if !strings.Contains(svg, "flowchart-"+m[1]+"-") {
					t.Errorf("step %s is not in the picture", m[1])
				}
			}
			// Labels are drawn word by word (tspan elements): read the text.
			plain := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(svg, "")
			for _, want := range []string{"W każdym kroku", "seniorzy_potrzeba: Czego najbardziej potrzeba?", "znaleziono", "/czlowiek, /person, /liudyna, człowiek*, … → osoba"} {
				if !strings.Contains(plain, want) {
					t.Errorf("the picture lacks %q", want)
				}
			}
			if strings.Contains(svg, "Syntax error") {
				t.Errorf("Mermaid drew its syntax error picture")
			}
			if dir := os.Getenv("OKIENKO_ARTIFACTS"); dir != "" {
				os.MkdirAll(dir, 0o755)
				os.WriteFile(filepath.Join(dir, "dialogs-graph-"+name+".svg"), []byte(svg), 0o644)
			}
		})
	}
	if p := page.Problems(); len(p) > 0 {
		t.Errorf("the page reported: %v", p)
	}
}
