package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"okienko/bot"
	"okienko/bot/script"
)

// assetFiles are the page, its styles and scripts and the widget: plain
// files, no build step.
//
//go:embed assets
var assetFiles embed.FS

// asset is a file served as it is.
type asset struct {
	data  []byte
	ctype string
	etag  string
}

// servedAssets are the files under PathAssets (the page template is not
// one of them) and their types.
var servedAssets = map[string]string{
	"chat.css":    "text/css; charset=utf-8",
	"chat.js":     "text/javascript; charset=utf-8",
	"prefs.js":    "text/javascript; charset=utf-8",
	"widget.css":  "text/css; charset=utf-8",
	"okienko.svg": "image/svg+xml",
	"widget.js":   "text/javascript; charset=utf-8", // served at PathWidget
}

// loadAssets reads the embedded files, versions them by their content and
// parses the page template.
func (c *Chat) loadAssets() error {
	c.assets = map[string]*asset{}
	sum := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(servedAssets)) {
		data, err := fs.ReadFile(assetFiles, "assets/"+name)
		if err != nil {
			return fmt.Errorf("asset %s: %w", name, err)
		}
		sum.Write(data)
		c.assets[name] = &asset{data: data, ctype: servedAssets[name]}
	}
	c.version = hex.EncodeToString(sum.Sum(nil))[:12]
	// The widget learns the version and its texts when served, so that the
	// Centre's script tag needs neither.
	textsJSON, err := json.Marshal(widgetTexts())
	if err != nil {
		return fmt.Errorf("widget texts: %w", err)
	}
	w := c.assets["widget.js"]
	w.data = bytes.ReplaceAll(w.data, []byte(`"__OKIENKO_VERSION__"`), []byte(`"`+c.version+`"`))
	w.data = bytes.ReplaceAll(w.data, []byte(`"__OKIENKO_TEXTS__"`), textsJSON)
	for _, a := range c.assets {
		h := sha256.Sum256(a.data)
		a.etag = `"` + hex.EncodeToString(h[:8]) + `"`
	}
	tpl, err := template.New("chat.html").Funcs(template.FuncMap{
		// A tel: link of the digits alone (html/template refuses tel:
		// URLs it did not see typed as safe).
		"tel": func(phone string) template.URL {
			return template.URL("tel:" + strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '+' {
					return r
				}
				return -1
			}, phone))
		},
	}).ParseFS(assetFiles, "assets/chat.html")
	if err != nil {
		return fmt.Errorf("page template: %w", err)
	}
	c.page = tpl
	return nil
}

// widgetTexts are the texts the widget's button and panel use.
func widgetTexts() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range languages {
		out[l] = map[string]string{}
		for _, k := range []string{"launcher", "close", "open_window", "log", "title"} {
			out[l][k] = text(l, k)
		}
	}
	return out
}

// langOption is one entry of the page's language switch.
type langOption struct {
	Code, Name, Short string
	Current           bool
}

// pageData is what the page template shows.
type pageData struct {
	Lang     string
	T        map[string]string
	Texts    map[string]map[string]string // every language, for the switch
	Langs    []langOption
	CSRF     string
	Fresh    bool
	Talking  bool // the session has a conversation: the page listens at once
	Embed    bool
	MaxChars int
	Version  string
	Centre   script.Centre
}

// servePage serves the chat page, with the session's CSRF token in it.
func (c *Chat) servePage(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w, c.csp)
	if len(c.origins) == 0 {
		w.Header().Set("X-Frame-Options", "SAMEORIGIN") // for browsers without frame-ancestors
	}
	w.Header().Set("Cache-Control", "no-store") // it carries the CSRF token
	s := c.ensureSession(w, r)
	lang := pageLanguage(r)
	talking := !s.fresh
	if cc := c.cfg.Conversations; cc != nil && !s.fresh {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		exists, err := cc.HasConversation(ctx, bot.Message{Channel: Channel, ChatID: s.chatID}.Key())
		cancel()
		talking = exists || err != nil // unknown: let the page try
	}
	d := pageData{
		Talking:  talking,
		Lang:     lang,
		T:        texts[lang],
		Texts:    texts,
		CSRF:     s.csrf,
		Fresh:    s.fresh,
		Embed:    r.URL.Query().Get("embed") == "1",
		MaxChars: c.cfg.MaxMessageChars,
		Version:  c.version,
		Centre:   c.cfg.Centre(),
	}
	for _, l := range languages {
		d.Langs = append(d.Langs, langOption{Code: l, Name: text(l, "language_name"), Short: text(l, "language_short"), Current: l == lang})
	}
	var b bytes.Buffer
	if err := c.page.Execute(&b, d); err != nil {
		c.log.Error("render the web chat page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// serveAsset serves a style sheet, script or image. Versioned URLs (as the
// page links them) are cached for a year; the widget's fixed URL for an
// hour, so that a new release reaches the Centre's site soon.
func (c *Chat) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if r.URL.Path == PathWidget {
		name = "widget.js"
	} else if name == "widget.js" {
		http.NotFound(w, r)
		return
	}
	a := c.assets[path.Base(name)]
	if a == nil || name != path.Base(name) {
		http.NotFound(w, r)
		return
	}
	securityHeaders(w, apiPolicy)
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	switch {
	case name == "widget.js" || name == "widget.css":
		// Loaded by the Centre's pages, maybe from another origin.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("Cache-Control", "public, max-age=3600")
		if r.URL.Query().Get("v") == c.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
	case r.URL.Query().Get("v") == c.version:
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		h.Set("Cache-Control", "public, max-age=300")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}
