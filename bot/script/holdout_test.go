package script

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestHoldoutMistakes is a holdout for the recognition of YAML mistakes in
// bot/yamlfile: mistakes written after the recognisers were done, on
// crisis.yaml (a file the recognisers were not tuned on), and frozen. Each
// must be reported at the line the organizer got wrong, in the same run as
// an independent mistake further down, and the test reports how many got
// specific advice rather than the general "cannot be read as YAML here".
// Do not tune the recognisers to this set; add new cases to the unit tests.
func TestHoldoutMistakes(t *testing.T) {
	crisis, err := os.ReadFile("../../dialogs/crisis.yaml")
	if err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile("../../dialogs/okienko.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A second, independent mistake near the end of the file.
	const later = "  next: czekanie\n"
	cases := []struct {
		name, from, to string
		valid          bool // found to be valid YAML after the set was frozen
	}{
		{"tab before a list item", "    - number: \"116 123\"\n", "\t- number: \"116 123\"\n", false},
		{"colon inside a {…} text", "      label: {pl: numer alarmowy,", "      label: {pl: Uwaga: numer alarmowy,", true},
		{"missing space after colon", "    - number: \"112\"\n", "    - number:\"112\"\n", false},
		{"dedented field", "      label: {pl: telefon zaufania dla dzieci", "     label: {pl: telefon zaufania dla dzieci", false},
		{"unclosed single quote", "    - number: \"800 70 2222\"\n", "    - number: '800 70 2222\n", false},
		{"unclosed brace", "en: crisis line for adults}\n", "en: crisis line for adults\n", false},
		{"misspelt field", "  reply:\n", "  replay:\n", false},
		{"double colon", "    - number: \"800 120 002\"\n", "    - number:: \"800 120 002\"\n", false},
		{"text starting with @", "    - number: \"112\"\n", "    - number: @112\n", false},
		{"list item without dash", "    - number: \"116 111\"\n", "      number: \"116 111\"\n", false},
	}
	specific, atLine, withLater := 0, 0, 0
	for _, tc := range cases {
		src := string(crisis)
		i := strings.Index(src, tc.from)
		if i < 0 {
			t.Fatalf("%s: %q not in crisis.yaml", tc.name, tc.from)
		}
		line := strings.Count(src[:i], "\n") + 1
		src = strings.Replace(src, tc.from, tc.to, 1)
		src = strings.Replace(src, later, "  next: czekanie_\n", 1)
		laterLine := strings.Count(src[:strings.Index(src, "  next: czekanie_\n")], "\n") + 1
		_, probs := Load(fstest.MapFS{"okienko.yaml": {Data: main}, "crisis.yaml": {Data: []byte(src)}}, "d")
		outcome := "nothing at its line"
		var found, foundLater bool
		var got []string
		for _, p := range probs {
			if p.File != "d/crisis.yaml" || p.Warning {
				continue
			}
			got = append(got, p.String())
			if p.Line == line && outcome != "specific advice" {
				outcome = "general message"
				if !strings.Contains(p.Message, "cannot be read as YAML here") {
					outcome = "specific advice"
				}
			}
			if p.Line == laterLine {
				foundLater = true
			} else {
				found = true
			}
		}
		switch outcome {
		case "specific advice":
			specific++
			atLine++
		case "general message":
			atLine++
		}
		if foundLater {
			withLater++
		}
		if !found && !tc.valid {
			t.Errorf("%s: the mistake was not reported:\n%s", tc.name, strings.Join(got, "\n"))
		}
		t.Logf("%-28s %-20s later mistake found: %-5v %s", tc.name, outcome, foundLater, strings.Join(got, " | "))
	}
	t.Logf("holdout: %d mistakes; reported at their line %d (specific advice %d); the independent later mistake also found in %d", len(cases), atLine, specific, withLater)
}
