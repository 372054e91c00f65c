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
	err          error
}

// crisisPhraseError compiles the groups exactly as the engine will and
// reports the first phrase it rejects.
func crisisPhraseError(cr *Crisis) *phraseError {
	_, err := cr.Detector()
	var pe *crisis.PhraseError
	if errors.As(err, &pe) {
		return &phraseError{group: pe.Group, index: pe.Index, list: pe.List, err: pe.Err}
	}
	return nil
}

// Detector compiles the crisis groups for matching messages; errors are
// *crisis.PhraseError.
func (cr *Crisis) Detector() (*crisis.Detector, error) {
	groups := make([]crisis.Group, len(cr.Groups))
	for i, g := range cr.Groups {
		groups[i] = crisis.Group{Name: g.Name, Phrases: g.Phrases, Concern: g.Concern, Except: g.Except, Past: g.Past}
	}
	return crisis.New(groups)
}

// officeHoursError validates the hours exactly as the engine will and names
// the field at fault; the error is a message of the orgtext table.
func officeHoursError(oh *OfficeHours) (field string, msg error) {
	_, err := officehours.New(officehours.Config{Timezone: oh.Timezone, Week: oh.Week, PolishHolidays: oh.PolishHolidays, Closed: oh.Closed})
	var fe *officehours.FieldError
	if errors.As(err, &fe) {
		return fe.Field, fe.Err
	}
	return "", nil
}

// Default answers to the safety check and words of a false alarm, used
// when the crisis section has none.
var (
	DefaultUnsafe = []string{
		"nie", "ні", "нет", "no", "nie bezpieczn*", "не безпечн*|безопасн*", "not safe",
		"pomocy", "ratunku", "допоможіть", "помогите", "help", "boje|boję", "боюся|боюсь", "scared|afraid",
	}
	DefaultSafe = []string{
		"tak", "так", "да", "yes", "yeah", "ok", "okej", "bezpieczn*", "безпечн*|безопасн*", "safe",
		"wszystko dobrze|ok|okej", "porzadku|porządku", "nic nie jest", "все добре|гаразд", "im fine|ok", "i am fine|ok",
	}
	DefaultDismiss = []string{
		"zart|żart|zarty|żarty", "zartowal*|żartował*", "falszywy|fałszywy alarm", "pomylka|pomyłka",
		"nic nie jest", "wszystko dobrze|porządku|porzadku",
		"жарт|жартувал*|шутк*", "все гаразд|добре", "нічого не сталося",
		"joke|joking|kidding", "false alarm", "im fine|okay|ok", "i am fine|okay|ok",
	}
)

// SafetyAnswers compiles the rules reading an answer to the safety check:
// groups "unsafe" and "safe" (unsafe wins a tie). Errors are
// *crisis.PhraseError.
func (cr *Crisis) SafetyAnswers() (*crisis.Detector, error) {
	return crisis.New([]crisis.Group{
		{Name: "unsafe", Phrases: orDefault(cr.Unsafe, DefaultUnsafe)},
		{Name: "safe", Phrases: orDefault(cr.Safe, DefaultSafe)},
	})
}

// Dismissals compiles the rules by which a resident calls a crisis reply a
// false alarm (group "dismiss"). Errors are *crisis.PhraseError.
func (cr *Crisis) Dismissals() (*crisis.Detector, error) {
	return crisis.New([]crisis.Group{{Name: "dismiss", Phrases: orDefault(cr.Dismiss, DefaultDismiss)}})
}

func orDefault(list, def []string) []string {
	if len(list) == 0 {
		return def
	}
	return list
}
