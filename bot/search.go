package bot

import "context"

// Searcher finds catalogue services that fit what a resident described.
// The catalogue package implements it over a full-text index.
type Searcher interface {
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
}

// SearchQuery is a resident's own words plus the facets the dialog collected.
type SearchQuery struct {
	Text     string // the resident's own words
	Lang     string // "pl", "uk" or "en": which translations to match and show
	Category string // optional catalogue category slug (a topic chosen in the dialog)
	Audience string // optional audience the services must serve (e.g. "seniorzy")
	Limit    int    // at most this many services; 0 means the searcher's default
}

// SearchResult lists services best first. Confident is false when nothing
// matched well: the bot then says so and offers a person instead of showing
// weak matches. Tentative (never with Confident) says the best services may
// fit but the searcher is unsure: a dialog with a "maybe" step offers them
// as a question ("czy chodzi o…?") together with a person.
type SearchResult struct {
	Services  []Service
	Confident bool
	Tentative bool
}

// Service is what a resident needs to know about one catalogue service, in
// the language asked for (Polish where no translation exists).
type Service struct {
	ID          string
	Name        string
	Category    string
	Summary     string
	Description string
	Eligibility string
	Cost        string
	HowToApply  string // what to do to use it
	Documents   string // what to bring
	Appointment string // "needed", "not_needed" or "" (unknown)
	// Referral: another office that handles this, not a service of the
	// Centre; the bot says plainly where to go instead.
	Referral bool
	Provider Provider
	Score    float64
}

// ServiceFinder looks up a service shown earlier, by id, in a language, so
// that a resident's follow-up question ("a ile to kosztuje?") is answered
// from the catalogue entry. A Searcher may implement it; without it the
// bot cannot answer follow-up questions and offers a person.
type ServiceFinder interface {
	Service(id, lang string) (Service, bool)
}

// Provider is who runs a service and how to reach them.
type Provider struct {
	Name    string
	Address string
	Phone   string
	Email   string
	Hours   string
	URL     string
}
