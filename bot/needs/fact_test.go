package needs

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestEncodeDecode(t *testing.T) {
	facts := []Fact{
		{Kind: Conversation, Value: "pl"}, {Kind: Conversation, Value: "uk"}, {Kind: Conversation, Value: "pl"},
		{Kind: Language, Value: "en"},
		{Kind: Topic, Topic: "seniorzy"}, {Kind: Topic, Topic: "moja mama nie chodzi"}, // a topic set from own words
		{Kind: Search}, {Kind: Search, Topic: "Mieszkanie"},
		UnmatchedQuery("mieszkanie", "remont po zalaniu, tel. 501 234 567"),
		{Kind: Unmatched, Value: "nazywam się Jan Kowalski"}, // built by hand: redacted all the same
		{Kind: Suggested, Value: "uslugi-opiekuncze"},
		{Kind: Crisis, Value: "samobojstwo"},
		{Kind: Case, Topic: "seniorzy", Urgency: "urgent"}, {Kind: Case, Urgency: "whatever"},
		{Kind: Claimed, Wait: 7 * time.Minute}, {Kind: Claimed, Wait: 30 * time.Hour}, {Kind: Claimed, Wait: -time.Second},
		{Kind: Closed, Value: "returned"},
		{Kind: Rating, Value: "5"}, {Kind: Rating, Value: " 4 "}, {Kind: Rating, Value: "0"}, {Kind: Rating, Value: "bardzo dobrze"},
		{Kind: "unknown", Value: "x"},
	}
	c, q := Encode(facts)
	d := DecodeDay("2026-11-25", c, q)
	for _, tt := range []struct {
		what      string
		got, want any
	}{
		{"conversations", d.Conversations, Counts{"pl": 2, "uk": 1}},
		{"language switches", d.LanguageSwitches, Counts{"en": 1}},
		{"topics", d.Topics, Counts{"seniorzy": 1, Other: 1}},
		{"searches", d.Searches, Counts{"": 1, "mieszkanie": 1}},
		{"unmatched", d.Unmatched, Counts{"mieszkanie": 1, "": 1}},
		{"queries", d.Queries, Counts{"remont po zalaniu, tel. [telefon]": 1, "nazywam się [imię]": 1}},
		{"suggested", d.Suggested, Counts{"uslugi-opiekuncze": 1}},
		{"crises", d.Crises, Counts{"samobojstwo": 1}},
		{"cases", d.Cases, map[CaseKey]int64{{"urgent", "seniorzy"}: 1, {"normal", ""}: 1}},
		{"claimed", d.Claimed, int64(3)},
		{"claim seconds", d.ClaimSeconds, int64(7*60 + 30*3600)},
		{"claim buckets", d.ClaimBuckets, []int64{1, 0, 1, 0, 0, 0, 0, 0, 0, 1}},
		{"closed", d.Closed, Counts{"returned": 1}},
		{"ratings", d.Ratings, Counts{"5": 1, "4": 1}},
	} {
		if fmt.Sprint(tt.got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.what, tt.got, tt.want)
		}
	}
	for field := range c {
		if strings.Contains(field, " ") || strings.Contains(field, "mama") {
			t.Errorf("a counter's name holds words: %q", field)
		}
	}
}

// FuzzDecodeDay: whatever a store holds under a day's keys (another
// program's fields, a newer version's), the report builds and renders.
func FuzzDecodeDay(f *testing.F) {
	f.Add("conv:pl", int64(3), "remont mieszkania", int64(2))
	f.Add("claim_le:600", int64(1), "", int64(0))
	f.Add("case:urgent:", int64(-5), "[telefon]", int64(1))
	f.Add("rating:99999999999", int64(1), "x", int64(-1))
	f.Fuzz(func(t *testing.T, field string, n int64, query string, m int64) {
		d := DecodeDay("2026-11-25", map[string]int64{field: n, "search:": 1}, map[string]int64{query: m})
		day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		r := Build([]Day{d}, Options{From: day, To: day})
		for _, format := range Formats {
			var b bytes.Buffer
			if err := r.Render(&b, format); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
	})
}
