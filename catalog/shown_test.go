package catalog

import (
	"strings"
	"testing"
)

// TestTranslateHours: hours in the usual Polish form are translated by
// the bot; a note in words is left to organizers.
func TestTranslateHours(t *testing.T) {
	tests := []struct {
		hours, lang, want string
		ok                bool
	}{
		{"pon.–pt. 8:00–16:00", "en", "Mon–Fri 8:00–16:00", true},
		{"pon. 8:00–17:00, wt.–pt. 7:30–15:30", "uk", "пн 8:00–17:00, вт–пт 7:30–15:30", true},
		{"wt. i czw. 12:00–16:00 (zapisy)", "en", "Tue and Thu 12:00–16:00 (registration)", true},
		{"całodobowo", "en", "24 hours a day", true},
		{"posiedzenia w pierwszy wtorek miesiąca", "en", "", false},
		{"pon.–pt. 8:00–16:00", "de", "", false},
	}
	for _, tt := range tests {
		got, ok := TranslateHours(tt.hours, tt.lang)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TranslateHours(%q, %s) = %q, %v; want %q, %v", tt.hours, tt.lang, got, ok, tt.want, tt.ok)
		}
	}
}

// TestCheckWarnsAboutUntranslatedShownFields: a field residents read
// (cost, how to apply…) without a translation is a warning naming the
// service, the language and the fields, once per language.
func TestCheckWarnsAboutUntranslatedShownFields(t *testing.T) {
	yaml := `services:
  - id: klub
    name: Klub
    category: seniorzy
    summary: Zajęcia.
    cost: Bezpłatnie.
    how_to_apply: Wystarczy przyjść.
    appointment: not_needed
    provider: {name: CUS, hours: "posiedzenia raz w miesiącu"}
    translations:
      uk: {name: Клуб, summary: Заняття., cost: Безкоштовно., how_to_apply: Просто прийти., hours: раз на місяць}
      en: {name: Club, summary: Activities.}
`
	c, probs := Parse([]File{{Name: "c.yaml", Data: []byte(yaml)}})
	if c == nil {
		t.Fatalf("errors: %v", probs)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := "c.yaml:12:7: warning: service klub: no English translation of cost, how_to_apply, hours: residents writing in it read Polish there"
	if len(got) != 1 || got[0] != want {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	en := c.Services[0].In("en")
	if en.Cost != "Bezpłatnie." || en.Name != "Club" {
		t.Errorf("English falls back to Polish per field: %+v", en)
	}
	if uk := c.Services[0].In("uk"); uk.HowToApply != "Просто прийти." || uk.Provider.Hours != "раз на місяць" {
		t.Errorf("Ukrainian: %+v", uk)
	}
}

// TestCheckRefusesBadKindAndAppointment: the two enumerations are checked.
func TestCheckRefusesBadKindAndAppointment(t *testing.T) {
	for _, tt := range []struct{ field, want string }{
		{"kind: office", `service a: unknown kind "office" (use service or referral)`},
		{"appointment: maybe", `service a: appointment is "maybe"; use needed or not_needed`},
	} {
		yaml := "services:\n  - id: a\n    name: A\n    category: inne\n    summary: S.\n    " + tt.field + "\n    provider: {name: P}\n"
		c, probs := Parse([]File{{Name: "c.yaml", Data: []byte(yaml)}})
		if c != nil || (probs.Err() == nil || !strings.Contains(probs.Err().Error(), tt.want)) {
			t.Errorf("%s: %v", tt.field, probs)
		}
	}
}

// TestImportCSVNewColumns: the spreadsheet carries the new fields and
// their translations.
func TestImportCSVNewColumns(t *testing.T) {
	csv := "id;name;category;summary;provider_name;how_to_apply;documents;appointment;kind;en_how_to_apply;uk_cost;en_hours\n" +
		"ref-zus;ZUS;inne;Emerytury.;ZUS;Przez PUE;Dowód;not_needed;referral;Online (PUE);Безкоштовно;Mon–Fri\n"
	c, probs := Parse([]File{{Name: "s.csv", Data: []byte(csv)}})
	if c == nil {
		t.Fatalf("errors: %v", probs)
	}
	s := c.Services[0]
	if s.HowToApply != "Przez PUE" || s.Documents != "Dowód" || s.Appointment != "not_needed" || !s.Referral() ||
		s.Translations["en"].HowToApply != "Online (PUE)" || s.Translations["uk"].Cost != "Безкоштовно" || s.Translations["en"].Hours != "Mon–Fri" {
		t.Errorf("imported: %+v", s)
	}
}

// TestLexiconKeepsWordsApart: a correctly spelled word is never read as
// a typo of another family's word, while real typos and inflections still
// are.
func TestLexiconKeepsWordsApart(t *testing.T) {
	c, _ := Sample()
	l := CatalogLexicon(c, nil, func(w string) string { return strings.TrimRight(w, "aeiouyę") })
	for _, tt := range []struct {
		word, target string
		other        bool
	}{
		{"potrzebuje", "pogrzeb", true},
		{"smieci", "smierc", true},
		{"psycholok", "psycholog", false}, // not a word: a typo
		{"chwilowek", "chwilowk", false},  // an inflection of the same word
	} {
		if got := l.KnownOther(tt.word, tt.target); got != tt.other {
			t.Errorf("KnownOther(%q, %q) = %v, want %v", tt.word, tt.target, got, tt.other)
		}
	}
}

// withoutTranslationWarnings leaves out the warnings about untranslated
// fields, for tests about other problems.
func withoutTranslationWarnings(probs Problems) Problems {
	var out Problems
	for _, p := range probs {
		if !(p.Warning && strings.Contains(p.Message, "translation of")) {
			out = append(out, p)
		}
	}
	return out
}
