// Package script is the dialog-script format that organizers write in YAML:
// steps with texts in several languages, questions with choices and
// validated answers, conditional transitions, actions (catalogue search,
// results, handoff to a person), global triggers, crisis patterns and office
// hours. Load reads and checks a directory of scripts, reporting every
// problem with file, line and column so that non-programmers can fix it.
package script

import (
	"slices"
	"sort"
)

// Languages the bot speaks; Polish is required in every text, the others
// fall back to Polish.
const (
	Polish    = "pl"
	Ukrainian = "uk"
	English   = "en"
)

// SupportedLanguages lists the languages a text may have.
var SupportedLanguages = []string{Polish, Ukrainian, English}

// Script is a loaded, checked set of dialog files.
type Script struct {
	Start       string            // the step a new conversation begins at
	AfterCase   string            // the step after staff close a case (e.g. a rating); "" stays put
	Address     string            // how the bot addresses residents in Polish: formal (default) or informal
	Acknowledge []Acknowledgement // one sentence for a situation a description reveals, said before the services
	Centre      Centre            // who runs the bot, for templates and apologies
	Messages    map[string]Text   // the engine's own phrases, by key (see DefaultMessages)
	OfficeHours *OfficeHours      // nil: a person answers at any time
	Triggers    []Trigger         // commands and words that work at any step
	Crisis      *Crisis           // nil: no crisis detection (check warns)
	Steps       map[string]*Step  // by id
	Order       []string          // step ids in file order, for pictures and listings
	Variables   map[string]string // every variable a step may set, with the step that sets it first
}

// Centre describes the Centre of Social Services running the bot.
type Centre struct {
	Name  string `yaml:"name"`
	Phone string `yaml:"phone"`
	Email string `yaml:"email"`
	Hours string `yaml:"hours"` // the opening hours as residents should read them
}

// OfficeHours says when organizers answer; used to promise a time.
type OfficeHours struct {
	Timezone       string            `yaml:"timezone"`
	Week           map[string]string `yaml:"week"`
	PolishHolidays bool              `yaml:"polish_holidays"`
	Closed         []string          `yaml:"closed"`
}

// Trigger is a command or phrase that works at any step.
type Trigger struct {
	ID       string   `yaml:"id"`
	Commands []string `yaml:"commands"` // e.g. "/start"; matched exactly, case-insensitive
	Phrases  []string `yaml:"phrases"`  // short messages meaning the same, e.g. "człowiek*"
	Whole    bool     `yaml:"whole"`    // phrases must be the whole message ("dzień dobry", not "dzień dobry, szukam…")
	Action   string   `yaml:"action"`   // restart | erase; or empty with Goto
	Goto     string   `yaml:"goto"`     // step to jump to
}

// Crisis holds the patterns that interrupt any step with emergency numbers.
type Crisis struct {
	Numbers []EmergencyNumber `yaml:"numbers"`
	Reply   Text              `yaml:"reply"`
	Groups  []CrisisGroup     `yaml:"groups"`
	Next    string            `yaml:"next"` // optional step to continue at after the crisis reply
	// Unsafe and Safe are rules (crisis rule syntax) that read the answer
	// to the safety check a concern asks ("nie", "tak", "nic mi nie jest");
	// the more specific rule wins, unsafe on a tie. Empty: DefaultUnsafe,
	// DefaultSafe.
	Unsafe []string `yaml:"unsafe"`
	Safe   []string `yaml:"safe"`
	// Dismiss are rules by which a resident calls a crisis reply a false
	// alarm ("to był żart"); staff are told, the case stays. Empty:
	// DefaultDismiss.
	Dismiss []string `yaml:"dismiss"`
}

// EmergencyNumber is a phone line shown in a crisis reply.
type EmergencyNumber struct {
	ID     string `yaml:"id"` // optional name a group may use instead of the number
	Number string `yaml:"number"`
	Label  Text   `yaml:"label"`
}

// CrisisGroup is a named set of rules meaning one kind of danger.
type CrisisGroup struct {
	Name    string   `yaml:"name"`
	Phrases []string `yaml:"phrases"` // crisis rules: interrupt with the numbers, urgent case
	Concern []string `yaml:"concern"` // not sure: answer, then ask directly whether the person is safe
	Except  []string `yaml:"except"`  // rules showing a figure of speech or a question, not a danger
	// Past are except rules showing the danger is over ("rok temu"); a word
	// saying now between them and the danger lifts them ("…, a teraz znowu").
	Past []string `yaml:"past"`
	// Numbers lists, by number or id, the lines this group shows and in
	// this order (112 first for a medical emergency); empty: all numbers.
	Numbers []string `yaml:"numbers"`
	Reply   Text     `yaml:"reply"` // optional: this group's own crisis reply
}

// GroupNumbers returns the numbers a group shows, in its order; all numbers
// for a group without a list or an unknown group.
func (cr *Crisis) GroupNumbers(group string) []EmergencyNumber {
	for _, g := range cr.Groups {
		if g.Name != group || len(g.Numbers) == 0 {
			continue
		}
		var out []EmergencyNumber
		for _, ref := range g.Numbers {
			if n, ok := cr.number(ref); ok {
				out = append(out, n)
			}
		}
		return out
	}
	return cr.Numbers
}

func (cr *Crisis) number(ref string) (EmergencyNumber, bool) {
	for _, n := range cr.Numbers {
		if n.Number == ref || (n.ID != "" && n.ID == ref) {
			return n, true
		}
	}
	return EmergencyNumber{}, false
}

// Step is one point of a conversation.
//
// A step either says something and moves on (Say and Next), asks and waits
// for an answer (Ask with Choices, Expect or FreeText), or performs an
// Action. Say is shown on entering any kind of step.
type Step struct {
	ID       string    `yaml:"-"`
	Say      Text      `yaml:"say"`
	Ask      Text      `yaml:"ask"`
	Choices  []Choice  `yaml:"choices"`
	Expect   string    `yaml:"expect"`  // text | phone | yes_no | number | pattern
	Pattern  string    `yaml:"pattern"` // regular expression for expect: pattern
	Save     string    `yaml:"save"`    // variable receiving the answer
	Invalid  Text      `yaml:"invalid"` // re-prompt when the answer does not validate
	FreeText *FreeText `yaml:"free_text"`
	Action   string    `yaml:"action"` // search | show_results | handoff | end | restart | erase
	Search   *Search   `yaml:"search"`
	Results  *Results  `yaml:"results"`
	Handoff  *Handoff  `yaml:"handoff"`
	Set      Vars      `yaml:"set"` // variables set on entering the step
	Next     Next      `yaml:"next"`

	// choiceFrom says, for each choice a topic file added (see
	// MenuEntry), where it was written; nil or a zero entry: in the step.
	choiceFrom []choiceOrigin
}

// choiceOrigin is where a choice added to a menu by a topic file was
// written.
type choiceOrigin struct {
	src  *source
	path string // YAML path of the choice in src, e.g. menu[0].choice
}

// Waits reports whether the step stops and waits for the resident.
func (s *Step) Waits() bool { return len(s.Ask) > 0 }

// Choice is one answer offered as a button.
type Choice struct {
	ID    string   `yaml:"id"`
	Label Text     `yaml:"label"`
	Words []string `yaml:"words"` // other ways residents say it
	Set   Vars     `yaml:"set"`   // variables set when chosen ("lang" switches the language)
	Next  Next     `yaml:"next"`  // where to go; the step's Next if empty
}

// FreeText lets a question with choices take the resident's own words.
type FreeText struct {
	Save string `yaml:"save"`
	Next Next   `yaml:"next"`
}

// Search describes a catalogue search: the resident's words plus facets.
type Search struct {
	Query    string `yaml:"query"`    // template, e.g. "{{opis}}"
	Category string `yaml:"category"` // template, e.g. "{{temat}}"
	Audience string `yaml:"audience"` // template, e.g. "{{dla_kogo}}"
	Limit    int    `yaml:"limit"`
	Found    string `yaml:"found"` // step when services were found confidently
	// Maybe: step when the best services may fit but the search is unsure
	// (offer them as a question, as a worker would: "czy chodzi o…?").
	// Optional: without it an unsure search goes to None.
	Maybe string `yaml:"maybe"`
	None  string `yaml:"none"` // step when nothing fits well
}

// Results presents the services found by the last search.
type Results struct {
	Limit int `yaml:"limit"` // at most this many cards; default 3
}

// Handoff raises a case for organizers.
type Handoff struct {
	Reason  string   `yaml:"reason"`  // why: asked, not_found, …
	Urgency string   `yaml:"urgency"` // normal | urgent
	Summary []string `yaml:"summary"` // variables copied into the case
	Consent string   `yaml:"consent"` // variable that must be "tak" before details go to staff
	Words   string   `yaml:"words"`   // variable holding the resident's own description
	ForWhom string   `yaml:"for_whom"`
	Topic   string   `yaml:"topic"`
	Phone   string   `yaml:"phone"`   // variable holding a call-back number
	Contact string   `yaml:"contact"` // variable holding the contact preference
}

// Vars maps variable names to values or templates.
type Vars map[string]string

// Branch is one conditional transition: Goto when every condition of When
// holds (an empty When always holds).
type Branch struct {
	When map[string]string `yaml:"when"`
	Goto string            `yaml:"goto"`
}

// Next is where a step goes: a plain step id, or a list of branches tried in
// order.
type Next []Branch

// Targets lists the step ids a Next may lead to.
func (n Next) Targets() []string {
	var out []string
	for _, b := range n {
		out = append(out, b.Goto)
	}
	return out
}

// StepTargets lists every step id the step may lead to, with the YAML path of
// the field naming it (relative to the step).
func (s *Step) StepTargets() []Target {
	var out []Target
	add := func(path string, n Next) {
		for i, b := range n {
			p := path
			if len(n) > 1 || len(b.When) > 0 {
				p = path + "[" + itoa(i) + "].goto"
			}
			out = append(out, Target{Path: p, Step: b.Goto, Label: b.label()})
		}
	}
	for i, c := range s.Choices {
		add("choices["+itoa(i)+"].next", c.Next)
	}
	if s.FreeText != nil {
		add("free_text.next", s.FreeText.Next)
	}
	if s.Search != nil {
		if s.Search.Found != "" {
			out = append(out, Target{Path: "search.found", Step: s.Search.Found, Label: "found"})
		}
		if s.Search.Maybe != "" {
			out = append(out, Target{Path: "search.maybe", Step: s.Search.Maybe, Label: "maybe"})
		}
		if s.Search.None != "" {
			out = append(out, Target{Path: "search.none", Step: s.Search.None, Label: "none"})
		}
	}
	add("next", s.Next)
	return out
}

// Target is a transition from a step to another.
type Target struct {
	Path  string // YAML path within the step
	Step  string
	Label string // a condition or choice, for pictures
}

func (b Branch) label() string {
	keys := make([]string, 0, len(b.When))
	for k := range b.When {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s string
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k + "=" + b.When[k]
	}
	return s
}

// TriggerFor returns the trigger with the given id, or nil.
func (sc *Script) TriggerFor(id string) *Trigger {
	i := slices.IndexFunc(sc.Triggers, func(t Trigger) bool { return t.ID == id })
	if i < 0 {
		return nil
	}
	return &sc.Triggers[i]
}
