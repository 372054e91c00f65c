package web

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzDecodeMessage: whatever a client posts, decoding never panics, and
// either yields a message that keeps the endpoint's promises (a well-formed
// id, exactly one of text, choice or command, clean text within the limit)
// or a problem the resident can be told about in every language.
// Seeds: testdata/fuzz/FuzzDecodeMessage.
func FuzzDecodeMessage(f *testing.F) {
	for _, seed := range []string{
		`{"id":"abcdefgh12","text":"Nie mam pieniędzy na jedzenie","lang":"pl"}`,
		`{"id":"abcdefgh12","choice":"osoba"}`,
		`{"id":"abcdefgh12","choice":"/czlowiek","lang":"uk-UA"}`,
		`{"id":"abcdefgh12","command":"start","lang":"en"}`,
		`{"id":"abcdefgh12","text":"a\u0000b\u202ec\r\n"}`,
		`{"id":"abcdefgh12","text":"x","choice":"y"}`,
		`{"id":"abcdefgh12","text":"\ud800"}`,
		`{"id":"short","text":"x"}`,
		`{"id":"abcdefgh12","text":"x"} trailing`,
		`[1,2,3]`,
		`null`,
		``,
	} {
		f.Add([]byte(seed))
	}
	const max = 40
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeMessage(data, max)
		if err != nil {
			var p *decodeProblem
			if !errors.As(err, &p) {
				t.Fatalf("error %v is not a decode problem", err)
			}
			for _, l := range languages {
				if texts[l][p.code] == "" {
					t.Fatalf("problem %q has no %s text", p.code, l)
				}
			}
			if p.code == codeTooLong && p.chars <= max {
				t.Fatalf("too long at %d characters", p.chars)
			}
			return
		}
		if !eventIDRE.MatchString(in.ID) {
			t.Fatalf("id %q accepted", in.ID)
		}
		given := 0
		for _, s := range []string{in.Text, in.Choice, in.Command} {
			if s != "" {
				given++
			}
		}
		if given != 1 {
			t.Fatalf("%d of text, choice and command in %+v", given, in)
		}
		if !utf8.ValidString(in.Text) || utf8.RuneCountInString(in.Text) > max || in.Text != strings.TrimSpace(in.Text) {
			t.Fatalf("text %q accepted", in.Text)
		}
		for _, r := range in.Text {
			if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u202e') {
				t.Fatalf("control character %U in %q", r, in.Text)
			}
		}
		if in.Choice != "" && !choiceRE.MatchString(in.Choice) {
			t.Fatalf("choice %q accepted", in.Choice)
		}
		if in.Command != "" && in.Command != "start" && in.Command != "erase" {
			t.Fatalf("command %q accepted", in.Command)
		}
		switch in.Lang {
		case "", "pl", "uk", "en":
		default:
			t.Fatalf("language %q accepted", in.Lang)
		}
	})
}
