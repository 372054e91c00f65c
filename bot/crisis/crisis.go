// Package crisis recognises messages that mean someone is in danger now
// (suicidal thoughts, violence happening, a child at risk, a person not
// breathing), so the engine can answer with emergency numbers before
// anything else.
//
// Organizers write the patterns as short phrases in the dialog script, in
// the syntax of textnorm.CompilePhrase:
//
//	zabi* sie          "zabić się", "zabije sie", "zabiję się"
//	nie chce|chcę zyc  alternatives separated by |
//	samobój*           any word starting with "samoboj"
//
// Up to two other words may stand between the words of a phrase ("nie
// chcę już dłużej żyć"), and one typo is forgiven in words of seven letters
// or more ("samobujstwo", "nieprzytomy").
package crisis

import (
	"fmt"

	"okienko/bot/textnorm"
)

// Group is a named set of phrases meaning one kind of danger.
type Group struct {
	Name    string
	Phrases []string
	// Except lists phrases that show the danger is over or is a figure of
	// speech ("rok temu", "już jest dobrze"); one of them anywhere in the
	// message silences this group (and only this group).
	Except []string
}

// PhraseError locates a phrase the detector cannot use.
type PhraseError struct {
	Group, Index int  // positions in the groups and in the group's phrases
	Except       bool // the phrase is in the group's Except list
	Err          error
}

func (e *PhraseError) Error() string {
	kind := "phrase"
	if e.Except {
		kind = "except phrase"
	}
	return fmt.Sprintf("crisis group %d %s %d: %v", e.Group, kind, e.Index, e.Err)
}
func (e *PhraseError) Unwrap() error { return e.Err }

type group struct {
	name    string
	phrases []textnorm.Phrase
	except  []textnorm.Phrase
}

// Detector matches messages against the compiled phrases. It is safe for
// concurrent use.
type Detector struct {
	groups []group
}

// New compiles the groups. Errors are *PhraseError.
func New(groups []Group) (*Detector, error) {
	d := &Detector{}
	for gi, g := range groups {
		cg := group{name: g.Name}
		for pi, p := range g.Phrases {
			ph, err := textnorm.CompilePhrase(p)
			if err != nil {
				return nil, &PhraseError{Group: gi, Index: pi, Err: err}
			}
			cg.phrases = append(cg.phrases, ph)
		}
		for pi, p := range g.Except {
			ph, err := textnorm.CompilePhrase(p)
			if err != nil {
				return nil, &PhraseError{Group: gi, Index: pi, Except: true, Err: err}
			}
			cg.except = append(cg.except, ph)
		}
		d.groups = append(d.groups, cg)
	}
	return d, nil
}

// Detect reports the name of the first group whose phrase occurs in text.
func (d *Detector) Detect(text string) (group string, ok bool) {
	if d == nil {
		return "", false
	}
	words := textnorm.PhraseWords(text)
	if len(words) == 0 {
		return "", false
	}
	for _, g := range d.groups {
		if anyIn(g.phrases, words) && !anyIn(g.except, words) {
			return g.name, true
		}
	}
	return "", false
}

func anyIn(phrases []textnorm.Phrase, words []string) bool {
	for _, ph := range phrases {
		if ph.In(words) {
			return true
		}
	}
	return false
}
