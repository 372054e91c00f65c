// Package needs is the Centre's report of residents' needs as Okienko sees
// them: what they ask about, in which languages, how often the catalogue
// has nothing that fits (and what those unmet needs are), crises, cases for
// staff and how soon a person takes them, and how residents rate the help.
//
// It holds the anonymous facts the engine counts per day (Fact), the
// redaction of residents' words before an unmatched query is kept
// (Redact), the report built from those daily counts (Build), the grouping
// of unmatched queries by their Polish stems (GroupQueries, with the stem
// function injected so that this package stays free of the search index),
// and the report's renderings: Markdown, CSV, JSON and a self-contained
// HTML page with inline SVG charts.
//
// Nothing here carries a chat id, a case id or a time finer than the day.
package needs

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"okienko/bot/textnorm"
)

// Kind says what a Fact counts.
type Kind string

// The kinds of facts the engine counts.
const (
	Conversation Kind = "conv"      // a conversation started; Value: its language
	Language     Kind = "lang"      // the resident switched language later; Value: the new one
	Topic        Kind = "topic"     // a topic was chosen; Topic
	Search       Kind = "search"    // the catalogue was searched; Topic: its category ("" for own words)
	Unmatched    Kind = "unmatched" // a search found nothing that fits; Topic, Value: the redacted query
	Suggested    Kind = "suggested" // a service was shown to a resident; Value: its id
	Crisis       Kind = "crisis"    // a crisis was recognised; Value: the crisis group
	Case         Kind = "case"      // a case went to staff; Topic, Urgency
	Claimed      Kind = "claimed"   // a person took a case; Wait: since it was opened
	Closed       Kind = "closed"    // a case ended; Value: "closed" or "returned" (to the bot)
	Rating       Kind = "rating"    // a resident rated the help; Value: "1" … "5"
)

// Fact is one anonymous thing that happened in a conversation, counted per
// day for the needs report. It carries no chat, no case and no time; the
// only words of a resident it may hold are an unmatched query, redacted
// (build it with UnmatchedQuery).
type Fact struct {
	Kind    Kind          `json:"kind"`
	Value   string        `json:"value,omitempty"`
	Topic   string        `json:"topic,omitempty"`
	Urgency string        `json:"urgency,omitempty"`
	Wait    time.Duration `json:"wait,omitempty"`
}

// MaxQueryRunes bounds a kept unmatched query: enough for a need, too
// short for a life story.
const MaxQueryRunes = 160

// UnmatchedQuery is the fact of a search that found nothing that fits,
// keeping the resident's words only redacted and shortened.
func UnmatchedQuery(topic, query string) Fact {
	return Fact{Kind: Unmatched, Topic: topic, Value: cleanQuery(query)}
}

// cleanQuery redacts a query and cuts it at a word boundary.
func cleanQuery(q string) string {
	q = Redact(q)
	if utf8.RuneCountInString(q) <= MaxQueryRunes {
		return q
	}
	r := []rune(q)[:MaxQueryRunes]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > MaxQueryRunes/2 {
		cut = cut[:i]
	}
	return Redact(cut) + " …"
}

// ClaimBounds are the upper bounds, in seconds, of the time-to-claim
// buckets: 1, 5, 10, 30 minutes, 1, 2, 4, 8, 24 hours, and above.
var ClaimBounds = []int64{60, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400}

// Counter names: the fields of a day's counters. A field is a kind and up
// to two labels, joined by ':'; labels are cleaned by label.
const (
	fieldClaimSeconds = "claim_s"
	fieldClaimBucket  = "claim_le"
)

// Encode turns facts into increments of a day's counters and of its
// unmatched queries (redacted again, whoever built the fact). Stores add
// them with HINCRBY or the like.
func Encode(facts []Fact) (counters, queries map[string]int64) {
	counters = map[string]int64{}
	queries = map[string]int64{}
	for _, f := range facts {
		switch f.Kind {
		case Conversation, Language, Suggested, Crisis, Closed:
			counters[string(f.Kind)+":"+label(f.Value)]++
		case Topic, Search:
			counters[string(f.Kind)+":"+label(f.Topic)]++
		case Unmatched:
			counters[string(f.Kind)+":"+label(f.Topic)]++
			if q := cleanQuery(f.Value); q != "" {
				queries[q]++
			}
		case Case:
			urgency := "normal"
			if f.Urgency == "urgent" {
				urgency = "urgent"
			}
			counters[string(f.Kind)+":"+urgency+":"+label(f.Topic)]++
		case Claimed:
			secs := max(int64(f.Wait/time.Second), 0)
			counters[string(Claimed)]++
			counters[fieldClaimSeconds] += secs
			counters[fieldClaimBucket+":"+claimBucket(secs)]++
		case Rating:
			if n, err := strconv.Atoi(strings.TrimSpace(f.Value)); err == nil && n >= 1 && n <= 10 {
				counters[string(Rating)+":"+strconv.Itoa(n)]++
			}
		}
	}
	return counters, queries
}

func claimBucket(secs int64) string {
	for _, b := range ClaimBounds {
		if secs <= b {
			return strconv.FormatInt(b, 10)
		}
	}
	return "inf"
}

// Other is the label of a value that is not a short identifier (a topic
// set from a resident's own words, say): it is counted, never kept.
const Other = "inny"

// label makes a fact's value safe as part of a counter's name: a short
// identifier (language, topic, service id, crisis group) folded to lower
// case, or Other for anything else, so that no resident's words end up
// in a counter's name.
func label(v string) string {
	v = textnorm.Fold(strings.TrimSpace(v))
	if v == "" {
		return ""
	}
	if len(v) > 64 {
		return Other
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '+') {
			return Other
		}
	}
	return v
}

// Counts are numbers by key (a language, a topic, a service id, …).
type Counts map[string]int64

// CaseKey groups cases: their urgency and topic.
type CaseKey struct {
	Urgency string // "normal" or "urgent"
	Topic   string
}

// Day is what was counted on one day, in the Centre's time zone.
type Day struct {
	Date             string // YYYY-MM-DD
	Conversations    Counts // started, by language
	LanguageSwitches Counts // by the language switched to
	Topics           Counts // chosen, by topic
	Searches         Counts // by topic ("" the resident's own words)
	Unmatched        Counts // searches without a fitting service, by topic
	Suggested        Counts // services shown, by id
	Crises           Counts // by crisis group
	Cases            map[CaseKey]int64
	Claimed          int64   // cases a person took
	ClaimSeconds     int64   // their total time to claim
	ClaimBuckets     []int64 // by ClaimBounds, the last one above them all
	Closed           Counts  // by how: closed, returned
	Ratings          Counts  // by rating, "1" … "5"
	Queries          Counts  // unmatched queries, redacted, by text
}

// NewDay is an empty day.
func NewDay(date string) Day {
	return Day{
		Date: date, Conversations: Counts{}, LanguageSwitches: Counts{}, Topics: Counts{}, Searches: Counts{},
		Unmatched: Counts{}, Suggested: Counts{}, Crises: Counts{}, Cases: map[CaseKey]int64{},
		ClaimBuckets: make([]int64, len(ClaimBounds)+1), Closed: Counts{}, Ratings: Counts{}, Queries: Counts{},
	}
}

// DecodeDay reads a day back from its counters and queries as a store
// kept them (the output of Encode, summed). Unknown counters — from a
// newer version — are ignored.
func DecodeDay(date string, counters, queries map[string]int64) Day {
	d := NewDay(date)
	for field, n := range counters {
		kind, rest, _ := strings.Cut(field, ":")
		switch Kind(kind) {
		case Conversation:
			d.Conversations[rest] += n
		case Language:
			d.LanguageSwitches[rest] += n
		case Topic:
			d.Topics[rest] += n
		case Search:
			d.Searches[rest] += n
		case Unmatched:
			d.Unmatched[rest] += n
		case Suggested:
			d.Suggested[rest] += n
		case Crisis:
			d.Crises[rest] += n
		case Closed:
			d.Closed[rest] += n
		case Rating:
			d.Ratings[rest] += n
		case Case:
			urgency, topic, _ := strings.Cut(rest, ":")
			d.Cases[CaseKey{Urgency: urgency, Topic: topic}] += n
		case Claimed:
			d.Claimed += n
		}
		switch kind {
		case fieldClaimSeconds:
			d.ClaimSeconds += n
		case fieldClaimBucket:
			i := len(ClaimBounds)
			if b, err := strconv.ParseInt(rest, 10, 64); err == nil {
				for k, bound := range ClaimBounds {
					if b == bound {
						i = k
					}
				}
			}
			d.ClaimBuckets[i] += n
		}
	}
	for q, n := range queries {
		d.Queries[q] += n
	}
	return d
}
