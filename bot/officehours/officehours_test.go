package officehours

import (
	"errors"
	"testing"
	"time"
)

func warsaw(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func centre(t *testing.T) *Schedule {
	t.Helper()
	s, err := New(Config{
		Week:           map[string]string{"mon": "08:00-16:00", "tue": "08:00-16:00", "wed": "08:00-12:00, 13:00-16:00", "thu": "08:00-17:00", "fri": "08:00-15:00"},
		PolishHolidays: true,
		Closed:         []string{"2026-12-31"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNextOpen(t *testing.T) {
	loc := warsaw(t)
	s := centre(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	tests := []struct {
		name string
		now  time.Time
		want time.Time
		text string
	}{
		{"open now", at(2026, 11, 25, 10, 0), at(2026, 11, 25, 10, 0), "dziś o 10:00"},
		{"before opening", at(2026, 11, 25, 6, 30), at(2026, 11, 25, 8, 0), "dziś o 8:00"},
		{"lunch break", at(2026, 11, 25, 12, 30), at(2026, 11, 25, 13, 0), "dziś o 13:00"},
		{"evening", at(2026, 11, 25, 20, 0), at(2026, 11, 26, 8, 0), "jutro o 8:00"},
		{"friday evening", at(2026, 11, 27, 16, 0), at(2026, 11, 30, 8, 0), "w poniedziałek 30.11 o 8:00"},
		{"independence day", at(2026, 11, 10, 18, 0), at(2026, 11, 12, 8, 0), "w czwartek 12.11 o 8:00"},
		{"christmas eve and christmas", at(2026, 12, 23, 17, 0), at(2026, 12, 28, 8, 0), "w poniedziałek 28.12 o 8:00"},
		{"extra closed day and new year", at(2026, 12, 30, 18, 0), at(2027, 1, 4, 8, 0), "w poniedziałek 04.01 o 8:00"},
		{"easter monday", at(2027, 3, 26, 15, 0), at(2027, 3, 30, 8, 0), "we wtorek 30.03 o 8:00"},
		{"corpus christi", at(2026, 6, 3, 17, 0), at(2026, 6, 5, 8, 0), "w piątek 05.06 o 8:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.NextOpen(tt.now)
			if !got.Equal(tt.want) {
				t.Fatalf("NextOpen(%v) = %v, want %v", tt.now, got, tt.want)
			}
			if d := Describe(got, tt.now, "pl"); d != tt.text {
				t.Errorf("Describe = %q, want %q", d, tt.text)
			}
			if open := s.IsOpen(tt.now); open != tt.now.Equal(tt.want) {
				t.Errorf("IsOpen = %v", open)
			}
		})
	}
}

func TestDescribeLanguages(t *testing.T) {
	loc := warsaw(t)
	now := time.Date(2026, 11, 27, 16, 0, 0, 0, loc)
	next := time.Date(2026, 11, 30, 8, 0, 0, 0, loc)
	for lang, want := range map[string]string{"uk": "у понеділок 30.11 о 8:00", "en": "on Monday 30.11 at 8:00", "xx": "w poniedziałek 30.11 o 8:00"} {
		if got := Describe(next, now, lang); got != want {
			t.Errorf("Describe(%s) = %q, want %q", lang, got, want)
		}
	}
}

func TestPolishHolidays(t *testing.T) {
	easter := map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2030: "2030-04-21"}
	for y, want := range easter {
		if got := EasterSunday(y).Format("2006-01-02"); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
	if n := len(PolishHolidays(2024)); n != 13 {
		t.Errorf("2024 has %d holidays, want 13", n)
	}
	if n := len(PolishHolidays(2026)); n != 14 {
		t.Errorf("2026 has %d holidays, want 14 (Christmas Eve added in 2025)", n)
	}
	if !IsPolishHoliday(time.Date(2026, 6, 4, 12, 0, 0, 0, time.UTC)) {
		t.Error("Corpus Christi 2026 (4 June) is not a holiday")
	}
	if IsPolishHoliday(time.Date(2026, 6, 5, 12, 0, 0, 0, time.UTC)) {
		t.Error("5 June 2026 is a holiday")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{Timezone: "Mars/Olympus"}, "timezone"},
		{Config{Week: map[string]string{"monday": "08:00-16:00"}}, "week.monday"},
		{Config{Week: map[string]string{"mon": "8-16"}}, "week.mon"},
		{Config{Week: map[string]string{"tue": "16:00-08:00"}}, "week.tue"},
		{Config{Week: map[string]string{"wed": "08:00-25:00"}}, "week.wed"},
		{Config{Closed: []string{"2026-12-31", "31.12.2026"}}, "closed[1]"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("New(%+v) = %v, want a FieldError on %s", tt.cfg, err, tt.field)
		}
	}
}

func TestNeverOpen(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.NextOpen(time.Now()); !got.IsZero() {
		t.Errorf("NextOpen with no hours = %v, want zero", got)
	}
}
