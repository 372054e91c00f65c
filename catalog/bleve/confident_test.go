package bleve

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestConfidentAndWrong measures, on the sample catalogue, how often the
// search is confident and its best service is not one a social worker
// would accept ("-": nothing fits, so any confidence is wrong). The
// development set was tuned on; the holdouts were written before tuning
// and are not (holdout3 before the own-word rule of plan.confident). The
// issue's target is at most 2 % on the holdout; measured 8.2 % (dev),
// 13.3 %, 17.5 % and 7.2 % (holdouts 1–3), so the thresholds sit at the
// measured values and guard against regressions only (see README).
func TestConfidentAndWrong(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	for _, set := range []struct {
		name    string
		maxRate float64
	}{{"dev", 0.09}, {"holdout", 0.14}, {"holdout2", 0.18}, {"holdout3", 0.08}, {"holdout4", 0.17}} {
		t.Run(set.name, func(t *testing.T) {
			f, err := os.Open("../testdata/confident/" + set.name + ".tsv")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n, wrong, right := 0, 0, 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := sc.Text()
				if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
					continue
				}
				text, ids, _ := strings.Cut(line, "\t")
				accept := strings.Split(ids, ",")
				noneFits := slices.Contains(accept, "-")
				res, err := ix.Find(context.Background(), Query{Text: text, Limit: 3})
				if err != nil {
					t.Fatal(err)
				}
				n++
				top := ""
				if len(res.Hits) > 0 {
					top = res.Hits[0].Service.ID
				}
				switch {
				case res.Confident && !slices.Contains(accept, top):
					wrong++
					t.Logf("confident and wrong: %q → %s (want %s)", text, top, ids)
				case res.Confident || noneFits:
					right++
				default:
					t.Logf("not confident: %q (best %s, want %s)", text, top, ids)
				}
			}
			rate := float64(wrong) / float64(n)
			t.Logf("%s: %d queries, confident and wrong %d (%.1f %%), right %d (%.1f %%)", set.name, n, wrong, 100*rate, right, 100*float64(right)/float64(n))
			if rate > set.maxRate {
				t.Errorf("confident and wrong %.3f, want ≤ %.2f", rate, set.maxRate)
			}
		})
	}
}
