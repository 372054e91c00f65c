package catalog

import (
	"strings"

	"okienko/bot/orgtext"
	"okienko/bot/yamlfile"
)

// ShownFields are the fields residents read, in the order the bot answers
// them: each needs a translation for every language the bot speaks, or
// Ukrainian and English residents read Polish.
var ShownFields = []string{"name", "summary", "eligibility", "cost", "how_to_apply", "documents", "hours"}

// shownValue returns the Polish value and the translation of a shown field.
func shownValue(s Service, t Translation, field string) (pl, tr string) {
	switch field {
	case "name":
		return s.Name, t.Name
	case "summary":
		return s.Summary, t.Summary
	case "eligibility":
		return s.Eligibility, t.Eligibility
	case "cost":
		return s.Cost, t.Cost
	case "how_to_apply":
		return s.HowToApply, t.HowToApply
	case "documents":
		return s.Documents, t.Documents
	case "hours":
		return s.Provider.Hours, t.Hours
	}
	return "", ""
}

// MissingTranslations lists, per language, the shown fields that have
// Polish text but no translation (hours the bot translates itself do not
// count).
func MissingTranslations(s Service) map[string][]string {
	out := map[string][]string{}
	for _, lang := range Languages {
		t := s.Translations[lang]
		for _, f := range ShownFields {
			pl, tr := shownValue(s, t, f)
			if f == "hours" {
				if _, ok := TranslateHours(s.Provider.Hours, lang); ok {
					continue
				}
			}
			if strings.TrimSpace(pl) != "" && strings.TrimSpace(tr) == "" {
				out[lang] = append(out[lang], f)
			}
		}
	}
	return out
}

// checkEntry checks the fields residents ask about after seeing a service
// (kind, appointment, how to apply, documents) and warns, once per service
// and language, about shown fields left untranslated (returned apart: they
// are reported only for a catalogue without errors).
func checkEntry(f parsed, path string, s Service) (probs, untranslated Problems) {
	at := func(path string, warning bool, format string, args ...any) {
		pos := f.pos.At(path)
		if warning {
			probs = append(probs, yamlfile.Warnf(f.name, pos.Line, pos.Column, format, args...))
		} else {
			probs = append(probs, yamlfile.Newf(f.name, pos.Line, pos.Column, format, args...))
		}
	}
	switch s.Kind {
	case "", KindService, KindReferral:
	default:
		at(path+".kind", false, "service %s: unknown kind %q (use %s or %s)", orIndex(s.ID, 0), s.Kind, KindService, KindReferral)
	}
	switch s.Appointment {
	case "", AppointmentNeeded, AppointmentNotNeeded:
	default:
		at(path+".appointment", false, "service %s: appointment is %q; use %s or %s", orIndex(s.ID, 0), s.Appointment, AppointmentNeeded, AppointmentNotNeeded)
	}
	for field, v := range map[string]string{"how_to_apply": s.HowToApply, "documents": s.Documents} {
		if len([]rune(v)) > maxText {
			at(path+"."+field, false, "%s is too long: %d characters (at most %d)", field, len([]rune(v)), maxText)
		}
	}
	missing := MissingTranslations(s)
	for _, lang := range Languages {
		if fields := missing[lang]; len(fields) > 0 {
			where := path + ".translations." + lang
			if _, ok := s.Translations[lang]; !ok {
				where = path + ".id"
			}
			n := len(probs)
			at(where, true, "service %s: no %s translation of %s: residents writing in it read Polish there", orIndex(s.ID, 0), langName(lang), strings.Join(fields, ", "))
			untranslated, probs = append(untranslated, probs[n:]...), probs[:n]
		}
	}
	return probs, untranslated
}

// langName names a translation language in the tools' language.
func langName(lang string) orgtext.Word {
	switch lang {
	case "uk":
		return "Ukrainian"
	case "en":
		return "English"
	}
	return orgtext.Word(lang)
}
