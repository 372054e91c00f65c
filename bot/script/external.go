package script

// phraseError locates a crisis phrase the detector cannot use.
type phraseError struct {
	group, index int
	msg          string
}

// crisisPhraseError is filled in when the crisis detector lands.
func crisisPhraseError(groups []CrisisGroup) *phraseError { return nil }

// officeHoursError is filled in when the office-hours package lands.
func officeHoursError(oh *OfficeHours) (field, msg string) { return "", "" }
