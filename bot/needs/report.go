package needs

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options say what a report covers and how to name what it counts.
type Options struct {
	// From and To are the first and the last day covered (only their
	// dates count). Days without data count as zero.
	From, To time.Time
	// Generated is when the report was made, shown on it.
	Generated time.Time
	// Title names the Centre on the report.
	Title string
	// TopicLabels name topics (the dialog's choices: "seniorzy" → "Senior
	// i opieka"); CrisisLabels name crisis groups.
	TopicLabels, CrisisLabels map[string]string
	// ServiceNames name the catalogue's services by id. When set, the
	// services never suggested in the period are listed too.
	ServiceNames map[string]string
	// Stems groups unmatched queries (catalog/bleve.Stems).
	Stems Stemmer
	// MaxGroups, MaxExamples and MaxServices bound the lists; defaults
	// 25, 3 and 10.
	MaxGroups, MaxExamples, MaxServices int
}

// Report is the needs report for a period: what the Centre's staff read.
type Report struct {
	Title     string `json:"title"`
	From      string `json:"from"`
	To        string `json:"to"`
	Days      int    `json:"days"`
	Generated string `json:"generated"`
	// Period is "day" or "week": the step of Trend.
	Period string      `json:"period"`
	Totals Totals      `json:"totals"`
	Trend  []PeriodRow `json:"trend"`
	// Languages of the conversations started; LanguageSwitches the
	// languages residents switched to later.
	Languages        []Item      `json:"languages"`
	LanguageSwitches []Item      `json:"language_switches"`
	Topics           []Item      `json:"topics"`
	Searches         []SearchRow `json:"searches"`
	Crises           []Item      `json:"crises"`
	Cases            []CaseRow   `json:"cases"`
	Claim            ClaimStats  `json:"time_to_claim"`
	Closed           []Item      `json:"closed"`
	Ratings          RatingStats `json:"ratings"`
	// Unmet are the unmatched queries grouped by word: what the
	// catalogue should gain. UnmatchedQueries lists every one of them.
	Unmet            []NeedGroup `json:"unmet_needs"`
	UnmatchedQueries []Example   `json:"unmatched_queries"`
	ServicesMost     []Item      `json:"services_most"`
	ServicesLeast    []Item      `json:"services_least"`
	// ServicesNever are the catalogue's services not suggested once.
	ServicesNever []Item `json:"services_never"`
}

// Totals are the period's headline figures.
type Totals struct {
	Conversations int64 `json:"conversations"`
	Searches      int64 `json:"searches"`
	Unmatched     int64 `json:"unmatched"`
	Crises        int64 `json:"crises"`
	Cases         int64 `json:"cases"`
	UrgentCases   int64 `json:"urgent_cases"`
	Claimed       int64 `json:"claimed"`
	Ratings       int64 `json:"ratings"`
	Suggested     int64 `json:"suggested"`
}

// Item is a count of one thing, with its share of the list's total and
// its counts in the first and the last half of the period, of equal length
// (the trend; the middle day of an odd period is in neither).
type Item struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	Count  int64   `json:"count"`
	Share  float64 `json:"share"`
	First  int64   `json:"first_half"`
	Second int64   `json:"second_half"`
}

// PeriodRow is one day or week of the trend.
type PeriodRow struct {
	Start         string `json:"start"`
	End           string `json:"end"`
	Label         string `json:"label"`
	Conversations int64  `json:"conversations"`
	ByLanguage    Counts `json:"by_language"`
	ByTopic       Counts `json:"by_topic"`
	Searches      int64  `json:"searches"`
	Unmatched     int64  `json:"unmatched"`
	Crises        int64  `json:"crises"`
	Cases         int64  `json:"cases"`
}

// SearchRow is the searches of one topic and how many found nothing that
// fits.
type SearchRow struct {
	Key       string  `json:"key"`
	Label     string  `json:"label"`
	Searches  int64   `json:"searches"`
	Unmatched int64   `json:"unmatched"`
	Share     float64 `json:"unmatched_share"`
}

// CaseRow is the cases of one topic by urgency.
type CaseRow struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Normal int64  `json:"normal"`
	Urgent int64  `json:"urgent"`
}

// ClaimStats summarise how soon a person took a case. Median and P90 are
// bucket ranges: the counters keep buckets, not each time.
type ClaimStats struct {
	Claimed     int64    `json:"claimed"`
	MeanSeconds float64  `json:"mean_seconds"`
	Median      Range    `json:"median"`
	P90         Range    `json:"p90"`
	Buckets     []Bucket `json:"buckets"`
}

// Range is a span of seconds; To 0 means "more than From".
type Range struct {
	From  int64  `json:"from_seconds"`
	To    int64  `json:"to_seconds"`
	Label string `json:"label"`
}

// Bucket is how many cases were claimed within a Range.
type Bucket struct {
	Range
	Count int64 `json:"count"`
}

// RatingStats are residents' ratings of the help (1–5).
type RatingStats struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	Dist  []Item  `json:"distribution"`
}

// Build makes the report of the days between opt.From and opt.To from the
// counted days (in any order; days outside the period are left out).
func Build(days []Day, opt Options) *Report {
	if opt.MaxGroups <= 0 {
		opt.MaxGroups = 25
	}
	if opt.MaxExamples <= 0 {
		opt.MaxExamples = 3
	}
	if opt.MaxServices <= 0 {
		opt.MaxServices = 10
	}
	from := dateOf(opt.From)
	to := dateOf(opt.To)
	if to.Before(from) {
		from, to = to, from
	}
	byDate := map[string]Day{}
	for _, d := range days {
		if prev, ok := byDate[d.Date]; ok {
			d = mergeDays(prev, d)
		}
		byDate[d.Date] = d
	}
	var period []Day
	for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
		key := t.Format(time.DateOnly)
		d, ok := byDate[key]
		if !ok {
			d = NewDay(key)
		}
		period = append(period, d)
	}
	// The trend compares the first and the last half of the period, of
	// equal length (the middle day of an odd period is in neither).
	half := len(period) / 2

	r := &Report{
		Title: opt.Title, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Days: len(period),
		Generated: opt.Generated.Format("2006-01-02 15:04"), Period: "day",
	}
	if len(period) > 45 {
		r.Period = "week"
	}

	all := NewDay("")
	for _, d := range period {
		all = mergeDays(all, d)
	}
	// items lists the counts of one kind with their halves.
	items := func(get func(Day) Counts, name func(string) string) []Item {
		total := sum(get(all))
		var out []Item
		for key, n := range get(all) {
			if n == 0 {
				continue
			}
			it := Item{Key: key, Label: name(key), Count: n, Share: ratio(n, total)}
			for i, d := range period {
				switch {
				case i < half:
					it.First += get(d)[key]
				case i >= len(period)-half:
					it.Second += get(d)[key]
				}
			}
			out = append(out, it)
		}
		sortItems(out)
		return out
	}
	topic := func(k string) string { return topicLabel(k, opt.TopicLabels) }
	r.Languages = items(func(d Day) Counts { return d.Conversations }, languageLabel)
	r.LanguageSwitches = items(func(d Day) Counts { return d.LanguageSwitches }, languageLabel)
	r.Topics = items(func(d Day) Counts { return d.Topics }, topic)
	r.Crises = items(func(d Day) Counts { return d.Crises }, func(k string) string { return crisisLabel(k, opt.CrisisLabels) })
	r.Closed = items(func(d Day) Counts { return d.Closed }, closedLabel)

	for key, n := range all.Searches {
		u := all.Unmatched[key]
		r.Searches = append(r.Searches, SearchRow{Key: key, Label: topic(key), Searches: n, Unmatched: u, Share: ratio(u, n)})
	}
	slices.SortFunc(r.Searches, func(a, b SearchRow) int {
		return cmp.Or(cmp.Compare(b.Searches, a.Searches), cmp.Compare(a.Label, b.Label))
	})

	cases := map[string]*CaseRow{}
	for k, n := range all.Cases {
		row := cases[k.Topic]
		if row == nil {
			row = &CaseRow{Key: k.Topic, Label: topic(k.Topic)}
			cases[k.Topic] = row
		}
		if k.Urgency == "urgent" {
			row.Urgent += n
			r.Totals.UrgentCases += n
		} else {
			row.Normal += n
		}
		r.Totals.Cases += n
	}
	for _, row := range cases {
		r.Cases = append(r.Cases, *row)
	}
	slices.SortFunc(r.Cases, func(a, b CaseRow) int {
		return cmp.Or(cmp.Compare(b.Normal+b.Urgent, a.Normal+a.Urgent), cmp.Compare(a.Label, b.Label))
	})

	r.Claim = claimStats(all)
	r.Ratings = ratingStats(all)
	r.Totals.Conversations = sum(all.Conversations)
	r.Totals.Searches = sum(all.Searches)
	r.Totals.Unmatched = sum(all.Unmatched)
	r.Totals.Crises = sum(all.Crises)
	r.Totals.Claimed = all.Claimed
	r.Totals.Ratings = r.Ratings.Count
	r.Totals.Suggested = sum(all.Suggested)

	r.Trend = trend(period, r.Period)

	groups := GroupQueries(all.Queries, opt.Stems, opt.MaxExamples)
	if len(groups) > opt.MaxGroups {
		groups = groups[:opt.MaxGroups]
	}
	r.Unmet = groups
	for text, n := range all.Queries {
		r.UnmatchedQueries = append(r.UnmatchedQueries, Example{Text: text, Count: n})
	}
	slices.SortFunc(r.UnmatchedQueries, func(a, b Example) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Text, b.Text))
	})

	service := func(id string) string {
		if name, ok := opt.ServiceNames[id]; ok {
			return name
		}
		return id
	}
	suggested := items(func(d Day) Counts { return d.Suggested }, service)
	r.ServicesMost = suggested[:min(opt.MaxServices, len(suggested))]
	least := slices.Clone(suggested)
	slices.Reverse(least)
	// The least suggested are those not already among the most.
	if n := len(suggested) - len(r.ServicesMost); n > 0 {
		r.ServicesLeast = least[:min(opt.MaxServices, n)]
	}
	for _, id := range slices.Sorted(maps.Keys(opt.ServiceNames)) {
		if all.Suggested[id] == 0 {
			r.ServicesNever = append(r.ServicesNever, Item{Key: id, Label: opt.ServiceNames[id]})
		}
	}
	slices.SortFunc(r.ServicesNever, func(a, b Item) int { return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Key, b.Key)) })
	r.emptyListsNotNull()
	return r
}

// emptyListsNotNull makes empty lists [] rather than null in JSON.
func (r *Report) emptyListsNotNull() {
	for _, l := range []*[]Item{&r.Languages, &r.LanguageSwitches, &r.Topics, &r.Crises, &r.Closed, &r.ServicesMost, &r.ServicesLeast, &r.ServicesNever} {
		if *l == nil {
			*l = []Item{}
		}
	}
	if r.Searches == nil {
		r.Searches = []SearchRow{}
	}
	if r.Cases == nil {
		r.Cases = []CaseRow{}
	}
	if r.Unmet == nil {
		r.Unmet = []NeedGroup{}
	}
	for i := range r.Unmet {
		if r.Unmet[i].Examples == nil {
			r.Unmet[i].Examples = []Example{}
		}
	}
	if r.UnmatchedQueries == nil {
		r.UnmatchedQueries = []Example{}
	}
	if r.Trend == nil {
		r.Trend = []PeriodRow{}
	}
}

// trend sums the period by day or by week (Monday to Sunday; the first
// and last weeks may be shorter).
func trend(period []Day, step string) []PeriodRow {
	var out []PeriodRow
	for _, d := range period {
		date, _ := time.Parse(time.DateOnly, d.Date)
		if step == "day" || len(out) == 0 || date.Weekday() == time.Monday {
			out = append(out, PeriodRow{Start: d.Date, ByLanguage: Counts{}, ByTopic: Counts{}})
		}
		row := &out[len(out)-1]
		row.End = d.Date
		for k, n := range d.Conversations {
			row.ByLanguage[k] += n
			row.Conversations += n
		}
		for k, n := range d.Topics {
			row.ByTopic[k] += n
		}
		row.Searches += sum(d.Searches)
		row.Unmatched += sum(d.Unmatched)
		row.Crises += sum(d.Crises)
		for _, n := range d.Cases {
			row.Cases += n
		}
	}
	for i := range out {
		start, _ := time.Parse(time.DateOnly, out[i].Start)
		end, _ := time.Parse(time.DateOnly, out[i].End)
		if step == "day" {
			out[i].Label = start.Format("02.01") + " " + weekdayPL[start.Weekday()]
		} else {
			out[i].Label = start.Format("02.01") + "–" + end.Format("02.01")
		}
	}
	return out
}

var weekdayPL = [...]string{"nd", "pn", "wt", "śr", "cz", "pt", "sb"}

func claimStats(all Day) ClaimStats {
	cs := ClaimStats{Claimed: all.Claimed}
	if all.Claimed > 0 {
		cs.MeanSeconds = float64(all.ClaimSeconds) / float64(all.Claimed)
	}
	var total int64
	for _, n := range all.ClaimBuckets {
		total += n
	}
	var cum int64
	for i, n := range all.ClaimBuckets {
		rg := bucketRange(i)
		cs.Buckets = append(cs.Buckets, Bucket{Range: rg, Count: n})
		prev := cum
		cum += n
		if total == 0 {
			continue
		}
		if prev*2 < total && cum*2 >= total {
			cs.Median = rg
		}
		if prev*10 < total*9 && cum*10 >= total*9 {
			cs.P90 = rg
		}
	}
	return cs
}

// bucketRange is the span of time-to-claim bucket i.
func bucketRange(i int) Range {
	var rg Range
	if i > 0 {
		rg.From = ClaimBounds[i-1]
	}
	if i < len(ClaimBounds) {
		rg.To = ClaimBounds[i]
	}
	switch {
	case rg.From == 0:
		rg.Label = "do " + durationPL(rg.To)
	case rg.To == 0:
		rg.Label = "ponad " + durationPL(rg.From)
	case rg.To <= 3600:
		rg.Label = itoa(rg.From/60) + "–" + itoa(rg.To/60) + " min"
	case rg.From >= 3600 && rg.To <= 86400:
		rg.Label = itoa(rg.From/3600) + "–" + itoa(rg.To/3600) + " h"
	default:
		rg.Label = durationPL(rg.From) + "–" + durationPL(rg.To)
	}
	return rg
}

func ratingStats(all Day) RatingStats {
	var rs RatingStats
	var weighted int64
	values := []int{1, 2, 3, 4, 5}
	for k, n := range all.Ratings {
		v, err := strconv.Atoi(k)
		if err != nil || n == 0 {
			continue
		}
		if !slices.Contains(values, v) {
			values = append(values, v)
		}
		rs.Count += n
		weighted += int64(v) * n
	}
	slices.Sort(values)
	for _, v := range values {
		k := strconv.Itoa(v)
		rs.Dist = append(rs.Dist, Item{Key: k, Label: k, Count: all.Ratings[k], Share: ratio(all.Ratings[k], rs.Count)})
	}
	if rs.Count > 0 {
		rs.Mean = float64(weighted) / float64(rs.Count)
	}
	return rs
}

// mergeDays adds b's counts to a's (a copy).
func mergeDays(a, b Day) Day {
	out := NewDay(a.Date)
	for _, d := range []Day{a, b} {
		for _, pair := range [][2]Counts{
			{out.Conversations, d.Conversations}, {out.LanguageSwitches, d.LanguageSwitches}, {out.Topics, d.Topics},
			{out.Searches, d.Searches}, {out.Unmatched, d.Unmatched}, {out.Suggested, d.Suggested}, {out.Crises, d.Crises},
			{out.Closed, d.Closed}, {out.Ratings, d.Ratings}, {out.Queries, d.Queries},
		} {
			for k, n := range pair[1] {
				pair[0][k] += n
			}
		}
		for k, n := range d.Cases {
			out.Cases[k] += n
		}
		out.Claimed += d.Claimed
		out.ClaimSeconds += d.ClaimSeconds
		for i, n := range d.ClaimBuckets {
			if i < len(out.ClaimBuckets) {
				out.ClaimBuckets[i] += n
			}
		}
	}
	return out
}

func sortItems(items []Item) {
	slices.SortFunc(items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Label, b.Label), cmp.Compare(a.Key, b.Key))
	})
}

func sum(c Counts) int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

func ratio(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var languageNames = map[string]string{"pl": "polski", "uk": "ukraiński", "en": "angielski"}

func languageLabel(code string) string {
	if name, ok := languageNames[code]; ok {
		return name
	}
	if code == "" {
		return "nieznany"
	}
	return code
}

func topicLabel(key string, labels map[string]string) string {
	if l, ok := labels[key]; ok && l != "" {
		return l
	}
	switch key {
	case "":
		return "opis własnymi słowami"
	case Other:
		return "inny (spoza listy)"
	}
	return key
}

func crisisLabel(key string, labels map[string]string) string {
	if l, ok := labels[key]; ok && l != "" {
		return l
	}
	return strings.ReplaceAll(key, "_", " ")
}

func closedLabel(key string) string {
	switch key {
	case "closed":
		return "zamknięte przez pracownika"
	case "returned":
		return "oddane botowi"
	}
	return key
}

// durationPL writes seconds the way the report's readers say it.
func durationPL(secs int64) string {
	switch {
	case secs < 60:
		return itoa(secs) + " s"
	case secs < 3600:
		return itoa(secs/60) + " min"
	case secs <= 86400:
		if m := secs % 3600 / 60; m != 0 {
			return itoa(secs/3600) + " h " + itoa(m) + " min"
		}
		return itoa(secs/3600) + " h"
	}
	if h := secs % 86400 / 3600; h != 0 {
		return itoa(secs/86400) + " d " + itoa(h) + " h"
	}
	return itoa(secs/86400) + " d"
}
