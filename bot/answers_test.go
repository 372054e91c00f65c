package bot

import "testing"

func TestParseYesNo(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"tak", "tak", true}, {"Tak!", "tak", true}, {"no tak", "tak", true}, {"TAK, proszę", "tak", true},
		{"nie", "nie", true}, {"Nie, dziękuję", "nie", true}, {"так", "tak", true}, {"ні", "nie", true},
		{"yes", "tak", true}, {"no thanks", "nie", true},
		// Not answers: the step asks again instead of guessing.
		{"no", "", false}, {"no niestety tak", "", false}, {"nie jestem bezpieczna", "", false},
		{"nie wiem", "", false}, {"не знаю", "", false}, {"tak, ale nie teraz", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseYesNo(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseYesNo(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseYesNoInEnglish(t *testing.T) {
	if got, ok := ParseYesNoIn("No.", "en"); got != "nie" || !ok {
		t.Errorf(`"No." in English = %q, %v`, got, ok)
	}
	if _, ok := ParseYesNoIn("no", "pl"); ok {
		t.Error(`a bare Polish "no" was taken as an answer`)
	}
}
