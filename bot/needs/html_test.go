package needs_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"okienko/bot/needs"
)

// TestHTMLIsSelfContained: the page loads nothing from anywhere (no
// scripts, stylesheets, fonts or images by address), and every chart has
// a title and a description for screen readers.
func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(t).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src="} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: it must be self-contained", bad)
		}
	}
	for _, u := range regexp.MustCompile(`(?i)(?:https?:)?//[^\s"'<>]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("the page refers to %s", u)
		}
	}
	svgs := strings.Count(page, "<svg ")
	if svgs < 6 {
		t.Errorf("%d charts, want at least 6", svgs)
	}
	if n := strings.Count(page, `role="img" aria-labelledby=`); n != svgs {
		t.Errorf("%d of %d charts are labelled for screen readers", n, svgs)
	}
	if strings.Count(page, "<desc id=") != svgs {
		t.Error("a chart lacks its description")
	}
	if !strings.Contains(page, `<html lang="pl">`) {
		t.Error("the page does not say it is in Polish")
	}
	// A resident's words are text, never markup.
	r := needs.Build([]needs.Day{needs.DecodeDay("2026-11-25", map[string]int64{"search:": 1, "unmatched:": 1},
		map[string]int64{`<script>alert(1)</script> mieszkanie "x" & <b>`: 1, "mieszkania dla nas": 1})},
		needs.Options{From: sampleEnd, To: sampleEnd})
	b.Reset()
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") || strings.Contains(b.String(), "<b>") {
		t.Error("a query's markup reached the page unescaped")
	}
}

// TestHTMLRendersInChromium opens the sample report in a real headless
// Chromium, takes a screenshot and keeps it in $OKIENKO_ARTIFACTS (default
// .artifacts/ at the repository root) for people to look at.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := sampleReport(t).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := artifacts(t)
	for _, shot := range []struct {
		name          string
		width, height int
	}{
		{"needs-report.png", 1200, 2000},      // the top: summary, unmet needs
		{"needs-report-full.png", 1200, 9000}, // the whole page
	} {
		path := filepath.Join(out, shot.name)
		_ = os.Remove(path)
		screenshot(t, bin, page, path, shot.width, shot.height)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatalf("Chromium made no screenshot: %v", err)
		}
		if info.Size() < 30_000 {
			t.Errorf("%s is %d bytes: too small for a rendered report", path, info.Size())
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", path, err)
		}
		if got := img.Bounds().Size(); got != (image.Point{shot.width, shot.height}) {
			t.Errorf("%s is %v, want %dx%d", path, got, shot.width, shot.height)
		}
		// Charts draw in the palette's colours: find the blue and the
		// orange of the bars, not a blank or an error page.
		if !hasColour(img, 0x00, 0x72, 0xB2) || !hasColour(img, 0xD5, 0x5E, 0x00) {
			t.Errorf("%s shows no chart bars (blue #0072B2 and orange #D55E00)", path)
		}
		t.Logf("screenshot: %s (%d bytes)", path, info.Size())
	}
}

// chromium finds the browser; without it the test is skipped, or fails
// under CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found (CI=true: install the Debian package chromium)")
	}
	t.Skip("chromium not found, skipping (install the Debian package chromium)")
	return ""
}

// artifacts is the folder screenshots are kept in.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("OKIENKO_ARTIFACTS")
	if dir == "" {
		root, err := filepath.Abs(".")
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				t.Fatal("no go.mod above the test's folder")
			}
			root = parent
		}
		dir = filepath.Join(root, ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, bin, page, png string, width, height int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+t.TempDir(),
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "--screenshot="+png,
		"file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
}

func hasColour(img image.Image, r, g, b uint8) bool {
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				return true
			}
		}
	}
	return false
}
