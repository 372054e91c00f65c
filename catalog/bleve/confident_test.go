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
// development set and the sample's eval.tsv were tuned on, and so, since
// the session that introduced the tentative answer ("czy chodzi o…?",
// fit.sure), were holdouts 1–4; holdout5 was written before that rule by
// a writer who saw only the catalogue, and holdout6 after it was fixed, by
// another such writer: those are the ones that count. The
// issue's target is at most 2 % on the holdout. It also reports how many
// requests get a confident right answer and how many a tentative one
// whose three services hold a right one (what the resident is asked
// about), so that a stricter rule cannot hide its cost.
func TestConfidentAndWrong(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	for _, set := range []string{"dev", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7", "holdout8", "eval"} {
		t.Run(set, func(t *testing.T) {
			path := "../testdata/confident/" + set + ".tsv"
			if set == "eval" {
				path = "../testdata/eval.tsv"
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var n, wrong, right, tentative, tentativeRight, none, noneSaid, inTop3 int
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
				if res.Confident && res.Tentative {
					t.Errorf("%q: both confident and tentative", text)
				}
				n++
				top := ""
				if len(res.Hits) > 0 {
					top = res.Hits[0].Service.ID
				}
				if noneFits {
					none++
				}
				if !noneFits && slices.ContainsFunc(res.Hits, func(h Hit) bool { return slices.Contains(accept, h.Service.ID) }) {
					inTop3++ // counted over the requests with a need, as its denominator
				}
				switch {
				case res.Confident && !slices.Contains(accept, top):
					wrong++
					t.Logf("confident and wrong: %q → %s (want %s)", text, top, ids)
				case res.Confident:
					right++
				case res.Tentative:
					tentative++
					if slices.ContainsFunc(res.Hits, func(h Hit) bool { return slices.Contains(accept, h.Service.ID) }) {
						tentativeRight++
					}
				case noneFits:
					noneSaid++
				}
			}
			rate := float64(wrong) / float64(n)
			t.Logf("%s: %d requests (%d where nothing fits): confident and wrong %d (%.1f %%), confident and right %d (%.1f %%), tentative %d (a right one among them %d), nothing offered where nothing fits %d; a right service among the first three %d of %d (%.2f)",
				set, n, none, wrong, 100*rate, right, 100*float64(right)/float64(n), tentative, tentativeRight, noneSaid, inTop3, n-none, float64(inTop3)/float64(max(1, n-none)))
			if rate > 0.02 {
				t.Errorf("confident and wrong %.3f, want ≤ 0.02", rate)
			}
		})
	}
}

// TestConfidenceWordByWord: a thesaurus meaning counts for the words it was
// read from, so a request whose other telling words the best service does
// not hold is not offered, while one whose words are all accounted for is
// (confidently or as a question).
func TestConfidenceWordByWord(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	tests := []struct {
		text      string
		confident bool // offered: confident or tentative
	}{
		{"szukam opiekunki do dziecka na wieczory", false}, // "dziecko", "wieczór" not home care
		{"chcę przestać pić", true},                        // two words: the meaning is enough
		{"nie starcza na czynsz", true},                    // "czynsz" own word and meaning
		{"komornik mi zabral pensje", true},                // "zabrał" is no word of the catalogue
		{"partner mnie bije", true},                        // "partner" says nothing of the service
	}
	for _, tt := range tests {
		res, err := ix.Find(context.Background(), Query{Text: tt.text, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if offered := res.Confident || res.Tentative; offered != tt.confident {
			top := ""
			if len(res.Hits) > 0 {
				top = res.Hits[0].Service.ID
			}
			t.Errorf("%q: offered %v (best %s), want %v", tt.text, res.Confident || res.Tentative, top, tt.confident)
		}
	}
}
