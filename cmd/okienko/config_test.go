package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestREADMEListsEverySetting checks the README's table of serve's
// settings against serveSettings, the list the code reads, both ways: a
// setting added to the code without a row, or a row left for a setting the
// code no longer reads, fails.
func TestREADMEListsEverySetting(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "### All settings of `okienko serve`")
	if !ok {
		t.Fatal("README has no section \"All settings of `okienko serve`\"")
	}
	table, _, _ = strings.Cut(table, "\n#")
	inREADME := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| name ") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
		for _, m := range code.FindAllStringSubmatch(first, -1) {
			name, _, _ := strings.Cut(m[1], " ") // "--dialogs DIR"
			inREADME[name] = true
		}
	}
	inCode := map[string]bool{}
	for _, s := range serveSettings {
		if s.env != "" {
			inCode[s.env] = true
		}
		if s.flag != "" {
			inCode["-"+strings.Repeat("-", min(len(s.flag)-1, 1))+s.flag] = true
		}
	}
	for name := range inCode {
		if !inREADME[name] {
			t.Errorf("%s is a setting of serve but has no row in the README's table", name)
		}
	}
	for name := range inREADME {
		if !inCode[name] {
			t.Errorf("the README's table lists %s, which serve does not read (serveSettings)", name)
		}
	}
	usage := serveUsage()
	for _, s := range serveSettings {
		if s.env != "" && !strings.Contains(usage, s.env) {
			t.Errorf("serve -h does not list %s", s.env)
		}
	}
}

// TestServeFlagsAreSettings checks that every flag serve defines is in
// serveSettings (so in the README) and the other way round.
func TestServeFlagsAreSettings(t *testing.T) {
	var errOut bytes.Buffer
	if _, err := loadServeConfig([]string{"-h"}, stdio{out: &bytes.Buffer{}, err: &errOut}); err != nil {
		t.Fatal(err)
	}
	defined := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(errOut.String(), -1)
	var flags []string
	for _, m := range defined {
		flags = append(flags, m[1])
	}
	for _, s := range serveSettings {
		if s.flag != "" && !slices.Contains(flags, s.flag) {
			t.Errorf("serveSettings names the flag -%s, which serve does not define", s.flag)
		}
	}
	for _, f := range flags {
		if !slices.ContainsFunc(serveSettings, func(s setting) bool { return s.flag == f }) {
			t.Errorf("serve defines -%s, which serveSettings (and so the README) does not list", f)
		}
	}
}

// TestLoadServeConfig checks the order of precedence (flag, environment,
// file, default) and that bad values are usage errors naming the setting.
func TestLoadServeConfig(t *testing.T) {
	for _, name := range settings {
		t.Setenv(name, "")
	}
	t.Setenv("OKIENKO_CONFIG", "")
	file := filepath.Join(t.TempDir(), "okienko.yaml")
	if err := os.WriteFile(file, []byte("http_addr: 127.0.0.1:9001\nshutdown_timeout: 12s\nlog_format: text\nneeds_flush: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	io := stdio{out: &bytes.Buffer{}, err: &bytes.Buffer{}}
	t.Setenv("OKIENKO_LOG_FORMAT", "json")
	cfg, err := loadServeConfig([]string{"--config", file, "--http", "127.0.0.1:9002"}, io)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9002" || cfg.ShutdownTimeout != 12*time.Second || cfg.LogFormat != "json" || cfg.Needs.FlushEvery != 5*time.Second {
		t.Errorf("flag over env over file: http %s, shutdown %v, log %s, needs flush %v", cfg.HTTPAddr, cfg.ShutdownTimeout, cfg.LogFormat, cfg.Needs.FlushEvery)
	}
	t.Setenv("OKIENKO_CATALOG", "a.yaml, b.csv")
	cfg, err = loadServeConfig([]string{"--config", file}, io)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OKIENKO_CATALOG", "changed.yaml") // read once: later changes do not count
	if got := cfg.Catalog.paths(); !slices.Equal(got, []string{"a.yaml", "b.csv"}) {
		t.Errorf("catalogue files %q, want those of OKIENKO_CATALOG when the config was read", got)
	}
	t.Setenv("OKIENKO_CATALOG", "")
	t.Setenv("OKIENKO_LOG_FORMAT", "")
	cfg, err = loadServeConfig(nil, io)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:8080" || cfg.ShutdownTimeout != defaultShutdownTimeout || !cfg.Web || !cfg.embeddedRedis() || cfg.TelegramOn || cfg.SlackOn || !cfg.NeedsOn {
		t.Errorf("defaults: %+v", cfg)
	}
	for name, value := range map[string]string{
		"OKIENKO_SHUTDOWN_TIMEOUT": "500ms",
		"OKIENKO_LOG_FORMAT":       "xml",
		"OKIENKO_WEB_RATE":         "fast",
		"OKIENKO_SESSION_IDLE_TTL": "5",
		"OKIENKO_NEEDS":            "sometimes",
		"OKIENKO_WEB":              "sometimes",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := loadServeConfig(nil, io)
			if exitCode(err) != 2 {
				t.Errorf("%s=%s: exit %d (%v), want a usage error", name, value, exitCode(err), err)
			}
			if err != nil && !strings.Contains(err.Error(), strings.TrimPrefix(name, "OKIENKO_")) && !strings.Contains(err.Error(), "log-format") {
				t.Errorf("%s=%s: %v does not name the setting", name, value, err)
			}
		})
	}
}

// TestWebOffSpelledAsYAMLFalse: "web: false" in the --config file (YAML's
// own spelling) turns the web chat off as "off" does, like OKIENKO_NEEDS.
func TestWebOffSpelledAsYAMLFalse(t *testing.T) {
	for _, name := range settings {
		t.Setenv(name, "")
	}
	t.Setenv("OKIENKO_CONFIG", "")
	t.Setenv("OKIENKO_TELEGRAM_TOKEN", "123:test-token-not-real") // a channel remains
	for _, v := range []string{"off", "false", "no", "0"} {
		file := filepath.Join(t.TempDir(), "okienko.yaml")
		if err := os.WriteFile(file, []byte("web: "+v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadServeConfig([]string{"--config", file}, stdio{out: &bytes.Buffer{}, err: &bytes.Buffer{}})
		if err != nil {
			t.Fatalf("web: %s: %v", v, err)
		}
		if cfg.Web {
			t.Errorf("web: %s: the web chat is on", v)
		}
	}
}
