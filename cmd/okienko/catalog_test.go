package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogCheckBundledSample(t *testing.T) {
	out := runOK(t, "", "catalog", "check", "../../catalog/data/sample.yaml")
	if !strings.HasPrefix(lastLine(out), "ok: ") || !strings.Contains(out, "0 errors") {
		t.Errorf("check output:\n%s", out)
	}
}

func TestCatalogCheckReportsProblemsAndExits1(t *testing.T) {
	dir := t.TempDir()
	bad := "services:\n  - id: a\n    name: A\n    category: x\n    summary: S\n    provider: {name: P}\n  - id: a\n    name: B\n    category: x\n    summary: S\n"
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte(bad), 0o644)
	out, _, err := runCapture("", "catalog", "check", file)
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	for _, want := range []string{file + ":7:9: duplicate id a (first defined at " + file + ":2)", file + ":7:5: service a: missing required field provider.name", "2 errors"} {
		if !strings.Contains(out, want) {
			t.Errorf("output:\n%s\nwant %q", out, want)
		}
	}
}

func TestCatalogImportThenCheck(t *testing.T) {
	dir := t.TempDir()
	csv := "id,name,category,summary,keywords,provider_name\nnoclegownia,Noclegownia,mieszkanie,Nocleg.,nocleg;schronienie,CUS\n"
	in := filepath.Join(dir, "k.csv")
	os.WriteFile(in, []byte(csv), 0o644)
	out := filepath.Join(dir, "k.yaml")
	runOK(t, "", "catalog", "import", in, "-o", out)
	if got := runOK(t, "", "catalog", "check", out); !strings.HasPrefix(lastLine(got), "ok: 1 services") {
		t.Errorf("imported file does not check: %s", got)
	}
	// A bad row is reported at its row and column; nothing is written.
	os.WriteFile(in, []byte(csv+"Zły Id,X,mieszkanie,S,,CUS\n"), 0o644)
	_, errOut, err := runCapture("", "catalog", "import", in)
	if exitCode(err) != 1 || !strings.Contains(errOut, in+`:3:1: row 3, column A: bad id "Zły Id"`) {
		t.Errorf("exit %d, stderr:\n%s", exitCode(err), errOut)
	}
}

func TestCatalogSearchBatchJSON(t *testing.T) {
	out := runOK(t, "opiekunka dla mamy\nnie mam gdzie spać\n\nnaprawa samochodu\n", "catalog", "search", "--json", "--limit", "2")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per query, got:\n%s", out)
	}
	var first searchLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Query != "opiekunka dla mamy" || len(first.Results) == 0 || first.Results[0].ID != "uslugi-opiekuncze" || first.Results[0].Score <= 0 || len(first.Results) > 2 {
		t.Errorf("first line = %+v", first)
	}
	var last searchLine
	json.Unmarshal([]byte(lines[2]), &last)
	if last.Confident {
		t.Errorf("an unrelated query is confident: %+v", last)
	}
}

func TestCatalogEval(t *testing.T) {
	out := runOK(t, "", "catalog", "eval", "--queries", "../../catalog/testdata/eval.tsv")
	if !strings.Contains(lastLine(out), "queries: recall@3 0.9") {
		t.Errorf("eval output ends with %q", lastLine(out))
	}
}
