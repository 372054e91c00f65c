// Package catalog is the Centre's service catalogue: what services exist,
// for whom, and how to reach them. Organizers keep it as YAML files (or a
// spreadsheet exported to CSV); this package reads and checks them, holds
// the thesaurus of residents' everyday words, and measures search quality.
// The full-text index lives in catalog/bleve.
package catalog

import "slices"

// Catalog is the merged content of one or more catalogue files.
type Catalog struct {
	Services []Service `yaml:"services"`
}

// Service is one service a resident can use.
type Service struct {
	ID          string   `yaml:"id" json:"id"`
	Name        string   `yaml:"name" json:"name"`
	Category    string   `yaml:"category" json:"category"`
	Summary     string   `yaml:"summary" json:"summary"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Audience    []string `yaml:"audience,omitempty" json:"audience,omitempty"`
	Keywords    []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	Eligibility string   `yaml:"eligibility,omitempty" json:"eligibility,omitempty"`
	Cost        string   `yaml:"cost,omitempty" json:"cost,omitempty"`
	// HowToApply says what a resident does to use the service (call,
	// come, file an application); Documents what to bring; Appointment
	// whether a visit must be arranged first: "needed", "not_needed" or
	// unknown (""). Residents ask these after seeing a service.
	HowToApply  string `yaml:"how_to_apply,omitempty" json:"how_to_apply,omitempty"`
	Documents   string `yaml:"documents,omitempty" json:"documents,omitempty"`
	Appointment string `yaml:"appointment,omitempty" json:"appointment,omitempty"`
	// Kind is "service" (the default: the Centre provides or arranges it)
	// or "referral": another office or institution of the city that
	// handles what the Centre does not (a passport, rubbish, ZUS), kept so
	// the bot can say plainly where to go.
	Kind         string                 `yaml:"kind,omitempty" json:"kind,omitempty"`
	Provider     Provider               `yaml:"provider" json:"provider"`
	Translations map[string]Translation `yaml:"translations,omitempty" json:"translations,omitempty"`
}

// Provider is who runs a service and how to reach them.
type Provider struct {
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
	Email   string `yaml:"email,omitempty" json:"email,omitempty"`
	Hours   string `yaml:"hours,omitempty" json:"hours,omitempty"`
	URL     string `yaml:"url,omitempty" json:"url,omitempty"`
}

// Translation is a service's text in another language; empty fields fall
// back to Polish.
type Translation struct {
	Name        string   `yaml:"name,omitempty" json:"name,omitempty"`
	Summary     string   `yaml:"summary,omitempty" json:"summary,omitempty"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Keywords    []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	Eligibility string   `yaml:"eligibility,omitempty" json:"eligibility,omitempty"`
	Cost        string   `yaml:"cost,omitempty" json:"cost,omitempty"`
	HowToApply  string   `yaml:"how_to_apply,omitempty" json:"how_to_apply,omitempty"`
	Documents   string   `yaml:"documents,omitempty" json:"documents,omitempty"`
	// Hours translates provider.hours; without it, hours written in the
	// usual form ("pon.–pt. 8:00–16:00") are translated by the bot.
	Hours string `yaml:"hours,omitempty" json:"hours,omitempty"`
}

// Languages are the translation languages the catalogue accepts.
var Languages = []string{"uk", "en"}

// ForEveryone is the audience value of services open to all residents; an
// audience filter never excludes them.
const ForEveryone = "wszyscy"

// In returns the service with its texts in lang where translated.
func (s Service) In(lang string) Service {
	if lang == "" || lang == "pl" {
		return s
	}
	t := s.Translations[lang]
	pick := func(tr, pl string) string {
		if tr != "" {
			return tr
		}
		return pl
	}
	out := s
	out.Name = pick(t.Name, s.Name)
	out.Summary = pick(t.Summary, s.Summary)
	out.Description = pick(t.Description, s.Description)
	out.Eligibility = pick(t.Eligibility, s.Eligibility)
	out.Cost = pick(t.Cost, s.Cost)
	out.HowToApply = pick(t.HowToApply, s.HowToApply)
	out.Documents = pick(t.Documents, s.Documents)
	if t.Hours != "" {
		out.Provider.Hours = t.Hours
	} else if h, ok := TranslateHours(s.Provider.Hours, lang); ok {
		out.Provider.Hours = h
	}
	if len(t.Keywords) > 0 {
		out.Keywords = t.Keywords
	}
	return out
}

// Kinds of catalogue entries.
const (
	KindService  = "service"
	KindReferral = "referral"
)

// Appointment values.
const (
	AppointmentNeeded    = "needed"
	AppointmentNotNeeded = "not_needed"
)

// Referral reports an entry for another office, not a service of the Centre.
func (s Service) Referral() bool { return s.Kind == KindReferral }

// Serves reports whether the service is for audience (or for everyone).
func (s Service) Serves(audience string) bool {
	return audience == "" || slices.Contains(s.Audience, audience) || slices.Contains(s.Audience, ForEveryone)
}

// ByID finds a service.
func (c *Catalog) ByID(id string) (Service, bool) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}
