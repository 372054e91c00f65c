package main

import (
	"encoding/json"
	"testing"
)

func TestBenchReports(t *testing.T) {
	out := runOK(t, "", "bench", "--duration", "300ms", "--concurrency", "4", "--json")
	var r benchReport
	if err := json.Unmarshal([]byte(lastLine(out)), &r); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if r.Messages == 0 || r.Errors != 0 || r.RawPerSec <= 0 || r.Ratio <= 0 || r.P99 < r.P50 || r.AllocsPerMessage <= 0 {
		t.Errorf("report = %+v", r)
	}
}
