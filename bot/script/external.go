package script

import (
	"errors"

	"okienko/bot/crisis"
	"okienko/bot/officehours"
)

// phraseError locates a crisis phrase the detector cannot use.
type phraseError struct {
	group, index int
	list         string
	msg          string
}

// crisisPhraseError compiles the groups exactly as the engine will and
// reports the first phrase it rejects.
func crisisPhraseError(cr *Crisis) *phraseError {
	_, err := cr.Detector()
	var pe *crisis.PhraseError
	if errors.As(err, &pe) {
		return &phraseError{group: pe.Group, index: pe.Index, list: pe.List, msg: pe.Err.Error()}
	}
	return nil
}

// Detector compiles the crisis groups for matching messages; errors are
// *crisis.PhraseError.
func (cr *Crisis) Detector() (*crisis.Detector, error) {
	groups := make([]crisis.Group, len(cr.Groups))
	for i, g := range cr.Groups {
		groups[i] = crisis.Group{Name: g.Name, Phrases: g.Phrases, Concern: g.Concern, Except: g.Except}
	}
	return crisis.New(groups)
}

// officeHoursError validates the hours exactly as the engine will and names
// the field at fault.
func officeHoursError(oh *OfficeHours) (field, msg string) {
	_, err := officehours.New(officehours.Config{Timezone: oh.Timezone, Week: oh.Week, PolishHolidays: oh.PolishHolidays, Closed: oh.Closed})
	var fe *officehours.FieldError
	if errors.As(err, &fe) {
		return fe.Field, fe.Err.Error()
	}
	return "", ""
}
