// Package officehours knows when the Centre's organizers answer, including
// Polish public holidays, so the bot can promise residents a real time
// ("jutro o 8:00") instead of an empty "soon".
package officehours

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"okienko/bot/orgtext"
)

// Config describes the opening hours as organizers write them in the
// dialog script.
type Config struct {
	// Timezone is an IANA name; empty means Europe/Warsaw.
	Timezone string
	// Week maps mon…sun to "08:00-16:00" (several ranges may be separated
	// by commas). A missing day is closed.
	Week map[string]string
	// PolishHolidays closes the office on statutory public holidays.
	PolishHolidays bool
	// Closed lists extra closed dates as YYYY-MM-DD.
	Closed []string
}

// FieldError names the part of Config that is wrong, so a checker can
// point at the line an organizer must fix.
type FieldError struct {
	Field string // e.g. "week.mon", "timezone", "closed[2]"
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

type span struct{ from, to int } // minutes since midnight, to exclusive

// Schedule answers whether the office is open and when it opens next.
type Schedule struct {
	loc      *time.Location
	week     [7][]span // indexed by time.Weekday
	holidays bool
	closed   map[string]bool
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// New validates cfg and builds a Schedule. Errors are *FieldError.
func New(cfg Config) (*Schedule, error) {
	tz := cfg.Timezone
	if tz == "" {
		tz = "Europe/Warsaw"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, &FieldError{Field: "timezone", Err: orgtext.Errorf("unknown time zone %q", tz)}
	}
	s := &Schedule{loc: loc, holidays: cfg.PolishHolidays, closed: map[string]bool{}}
	days := make([]string, 0, len(cfg.Week))
	for d := range cfg.Week {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		wd, ok := dayNames[strings.ToLower(d)]
		if !ok {
			return nil, &FieldError{Field: "week." + d, Err: orgtext.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", d)}
		}
		spans, err := parseSpans(cfg.Week[d])
		if err != nil {
			return nil, &FieldError{Field: "week." + d, Err: err}
		}
		s.week[wd] = spans
	}
	for i, c := range cfg.Closed {
		t, err := time.Parse("2006-01-02", strings.TrimSpace(c))
		if err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("closed[%d]", i), Err: orgtext.Errorf("date %q is not YYYY-MM-DD", c)}
		}
		s.closed[t.Format("2006-01-02")] = true
	}
	return s, nil
}

func parseSpans(v string) ([]span, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "closed") {
		return nil, nil
	}
	var out []span
	for _, part := range strings.Split(v, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, orgtext.Errorf("hours %q should look like 08:00-16:00", part)
		}
		f, err := parseClock(from)
		if err != nil {
			return nil, err
		}
		t, err := parseClock(to)
		if err != nil {
			return nil, err
		}
		if t <= f {
			return nil, orgtext.Errorf("hours %q end before they start", strings.TrimSpace(part))
		}
		out = append(out, span{f, t})
	}
	return out, nil
}

func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || len(s) > 5 {
		return 0, orgtext.Errorf("time %q should look like 08:00", s)
	}
	return h*60 + m, nil
}

// closedOn reports a holiday or an extra closed date.
func (s *Schedule) closedOn(day time.Time) bool {
	if s.closed[day.Format("2006-01-02")] {
		return true
	}
	return s.holidays && IsPolishHoliday(day)
}

// IsOpen reports whether organizers answer at t.
func (s *Schedule) IsOpen(t time.Time) bool {
	t = t.In(s.loc)
	if s.closedOn(t) {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, sp := range s.week[t.Weekday()] {
		if m >= sp.from && m < sp.to {
			return true
		}
	}
	return false
}

// NextOpen returns t itself when open, otherwise the next opening time
// within 30 days; the zero time when the office never opens in that window.
func (s *Schedule) NextOpen(t time.Time) time.Time {
	t = t.In(s.loc)
	if s.IsOpen(t) {
		return t
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc)
	for i := 0; i <= 30; i++ {
		d := day.AddDate(0, 0, i)
		if s.closedOn(d) {
			continue
		}
		for _, sp := range s.week[d.Weekday()] {
			open := time.Date(d.Year(), d.Month(), d.Day(), sp.from/60, sp.from%60, 0, 0, s.loc)
			if open.After(t) {
				return open
			}
		}
	}
	return time.Time{}
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// EasterSunday returns Easter Sunday of year (Gregorian calendar).
func EasterSunday(year int) time.Time {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// PolishHolidays lists the statutory non-working days of year (ustawa o
// dniach wolnych od pracy), including Christmas Eve from 2025.
func PolishHolidays(year int) []time.Time {
	d := func(m time.Month, day int) time.Time { return time.Date(year, m, day, 0, 0, 0, 0, time.UTC) }
	easter := EasterSunday(year)
	out := []time.Time{
		d(time.January, 1), d(time.January, 6),
		easter, easter.AddDate(0, 0, 1),
		d(time.May, 1), d(time.May, 3),
		easter.AddDate(0, 0, 49), // Zielone Świątki (always a Sunday)
		easter.AddDate(0, 0, 60), // Boże Ciało
		d(time.August, 15), d(time.November, 1), d(time.November, 11),
		d(time.December, 25), d(time.December, 26),
	}
	if year >= 2025 {
		out = append(out, d(time.December, 24))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// IsPolishHoliday reports whether the calendar date of t (in its own
// location) is a Polish public holiday.
func IsPolishHoliday(t time.Time) bool {
	for _, h := range holidaysOf(t.Year()) {
		if h.Month() == t.Month() && h.Day() == t.Day() {
			return true
		}
	}
	return false
}

// holidays remembers PolishHolidays by year: the office-hours check runs
// on every message.
var holidays sync.Map // int → []time.Time

func holidaysOf(year int) []time.Time {
	if h, ok := holidays.Load(year); ok {
		return h.([]time.Time)
	}
	h := PolishHolidays(year)
	if year >= 1900 && year < 2200 {
		holidays.Store(year, h)
	}
	return h
}

var weekdayNames = map[string][7]string{
	"pl": {"w niedzielę", "w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę"},
	"uk": {"у неділю", "у понеділок", "у вівторок", "у середу", "у четвер", "у п'ятницю", "у суботу"},
	"en": {"on Sunday", "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday"},
}

// Describe says when next is, relative to now, in the resident's language:
// "dziś o 10:00", "jutro o 8:00", "w poniedziałek 30.11 o 8:00".
func Describe(next, now time.Time, lang string) string {
	next = next.In(now.Location())
	if _, ok := weekdayNames[lang]; !ok {
		lang = "pl"
	}
	clock := fmt.Sprintf("%d:%02d", next.Hour(), next.Minute())
	y1, m1, d1 := now.Date()
	today := time.Date(y1, m1, d1, 0, 0, 0, 0, now.Location())
	y2, m2, d2 := next.Date()
	days := int(time.Date(y2, m2, d2, 0, 0, 0, 0, now.Location()).Sub(today).Hours()+12) / 24
	at := map[string]string{"pl": "o", "uk": "о", "en": "at"}[lang]
	switch days {
	case 0:
		return map[string]string{"pl": "dziś", "uk": "сьогодні", "en": "today"}[lang] + " " + at + " " + clock
	case 1:
		return map[string]string{"pl": "jutro", "uk": "завтра", "en": "tomorrow"}[lang] + " " + at + " " + clock
	}
	return fmt.Sprintf("%s %02d.%02d %s %s", weekdayNames[lang][next.Weekday()], next.Day(), int(next.Month()), at, clock)
}
