package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"okienko/bot/orgtext"
)

// mermaidSVG renders Mermaid text to SVG with the Mermaid library in a
// local headless Chromium, from files only (no network): the page loads
// the library from disk, renders, and Chromium prints the resulting DOM.
func mermaidSVG(ctx context.Context, text, library string) ([]byte, error) {
	if library == "" {
		return nil, orgtext.Errorf("--format svg needs the Mermaid library: install it (npm install mermaid) and name its dist/mermaid.min.js with --mermaid FILE or OKIENKO_MERMAID")
	}
	lib, err := filepath.Abs(library)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(lib); err != nil {
		return nil, orgtext.Errorf("the Mermaid library: %v", fileError(err))
	}
	browser := os.Getenv("OKIENKO_CHROMIUM")
	for _, c := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if browser != "" {
			break
		}
		if p, err := exec.LookPath(c); err == nil {
			browser = p
		}
	}
	if browser == "" {
		return nil, orgtext.Errorf("--format svg needs Chromium (the Debian package chromium, or OKIENKO_CHROMIUM)")
	}
	dir, err := os.MkdirTemp("", "okienko-svg-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	page := `<!doctype html><html><head><meta charset="utf-8"><script src="` + (&url.URL{Scheme: "file", Path: lib}).String() + `"></script></head><body>
<pre id="src">` + html.EscapeString(text) + `</pre>
<script>
mermaid.initialize({startOnLoad: false, securityLevel: "strict", flowchart: {htmlLabels: false}});
mermaid.render("okienko", document.getElementById("src").textContent).then(
  r => { document.body.innerHTML = "<div id=out>" + r.svg + "</div>"; },
  e => { document.body.innerHTML = "<div id=err></div>"; document.getElementById("err").textContent = String(e && e.message || e); });
</script></body></html>`
	index := filepath.Join(dir, "graph.html")
	if err := os.WriteFile(index, []byte(page), 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--allow-file-access-from-files", "--virtual-time-budget=20000", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", (&url.URL{Scheme: "file", Path: index}).String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		// Chromium says why on its last line of stderr (no display, a
		// sandbox refused…): the organizer sees it, not only "exit status 1".
		return nil, fmt.Errorf("chromium: %w%s", err, chromiumReason(stderr.String()))
	}
	if i := bytes.Index(dom, []byte(`<div id="err">`)); i >= 0 {
		msg, _, _ := bytes.Cut(dom[i+len(`<div id="err">`):], []byte("</div>"))
		return nil, orgtext.Errorf("Mermaid cannot draw the graph: %s", html.UnescapeString(string(msg)))
	}
	start := bytes.Index(dom, []byte("<svg"))
	end := bytes.LastIndex(dom, []byte("</svg>"))
	if start < 0 || end < start {
		return nil, orgtext.Errorf("Mermaid drew nothing (is the library file right?)")
	}
	return append(dom[start:end+len("</svg>")], '\n'), nil
}

// chromiumReason is ": " and the last non-empty line of s (at most 300
// characters), or "".
func chromiumReason(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return ""
	}
	if r := []rune(last); len(r) > 300 {
		last = string(r[:300]) + "…"
	}
	return ": " + last
}
