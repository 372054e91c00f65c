package yamlfile

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

type centre struct {
	Name  string   `yaml:"name"`
	Phone string   `yaml:"phone"`
	Hours string   `yaml:"hours"`
	Days  int      `yaml:"days"`
	Words []string `yaml:"words"`
	When  struct {
		Age string `yaml:"age"`
	} `yaml:"when"`
}

type doc struct {
	Centre centre `yaml:"centre"`
	Note   string `yaml:"note"`
}

const good = "centre:\n  name: CUS\n  phone: \"55 000 00 00\"\n  hours: pon.–pt.\n  days: 5\n  words: [a, b]\n  when: {age: \">= 65\"}\nnote: ok\n"

func TestDecodeAllExplainsTypicalMistakes(t *testing.T) {
	tests := []struct {
		name, edit, to string
		want           string // the problem, exactly
		certain        bool   // the rest of the file was read as the organizer meant
	}{
		{"tab", "  phone:", "\tphone:", "f.yaml:3:1: a tab is used for indentation: use spaces instead of the Tab key (YAML counts spaces; set your editor to insert spaces)", true},
		{"indentation", "  phone:", "   phone:", "f.yaml:3:4: wrong indentation: this line starts after 3 spaces, the line above after 2: align it with the other fields of its section, with spaces", true},
		{"colon", "hours: pon.–pt.", "hours: Uwaga: pon.–pt.", `f.yaml:4:10: a text with a colon must be in quotes: write hours: "Uwaga: pon.–pt."`, true},
		{"greater or equal", `{age: ">= 65"}`, "{age: >= 65}", `f.yaml:7:15: a value starting with > must be in quotes: write ">= 65"`, true},
		{"block value", "note: ok", "note: > 3 dni", `f.yaml:8:7: a value starting with > must be in quotes: write note: "> 3 dni"`, true},
		{"unclosed quote", `phone: "55 000 00 00"`, `phone: "55 000 00 00`, `f.yaml:3:10: the quote opened here is not closed: end the text with "`, true},
		{"text after quotes", "hours: pon.–pt.", `hours: "pon." do pt.`, `f.yaml:4:10: a text in quotes must end with the quote: put the whole text in quotes and write quotes inside it as „…”, e.g. hours: "„pon.” do pt."`, true},
		{"duplicate key", "  days: 5\n", "  days: 5\n  days: 6\n", `f.yaml:6:3: duplicate key "days": it is already written at line 5; keep one`, true},
		{"unknown field", "  hours:", "  godziny:", `f.yaml:4:3: unknown field "godziny" (check the spelling; see s.json)`, true},
		{"wrong type", "days: 5", "days: pięć", "f.yaml:5:9: wrong type: expected a whole number, found a string", true},
		{"mapping for a text", "note: ok", "note:\n  Uwaga: ok", `f.yaml:9:8: wrong type: expected a text, found a mapping: a text with a colon ("Uwaga: ...") must be in quotes`, true},
		{"unclosed list", "words: [a, b]", "words: [a, b", "f.yaml:6:10: a list opened with [ is not closed: end it with ] on the same line", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(good, tt.edit, tt.to, 1)
			if data == good {
				t.Fatal("the edit changed nothing")
			}
			var v doc
			d := DecodeAll("f.yaml", []byte(data), &v, Options{Schema: "s.json"})
			var got []string
			for _, p := range d.Problems {
				got = append(got, p.String())
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
			if d.Damaged == tt.certain {
				t.Errorf("damaged = %v", d.Damaged)
			}
			if tt.certain && v.Note == "" && !strings.Contains(tt.name, "mapping") {
				t.Errorf("the rest of the file was not read: %+v", v)
			}
		})
	}
}

func TestDecodeAllReportsEveryMistakeInOneRun(t *testing.T) {
	data := "centre:\n\tname: \"CUS\"\n   phone: 55\n  hours: Uwaga: zamknięte\n  dni: 5\n  days: pięć\n  days: 6\n  when: {age: >= 65}\nnote: \"ok\n"
	var v doc
	d := DecodeAll("f.yaml", []byte(data), &v, Options{})
	lines := map[int]bool{}
	for _, p := range d.Problems {
		lines[p.Line] = true
	}
	for _, l := range []int{2, 3, 4, 5, 6, 7, 8, 9} {
		if !lines[l] {
			t.Errorf("no problem reported at line %d; got:\n%v", l, d.Problems)
		}
	}
	if len(d.Problems) != 8 {
		t.Errorf("want 8 problems, got %d:\n%v", len(d.Problems), d.Problems)
	}
}

func TestDecodeEncodings(t *testing.T) {
	var v doc
	// A UTF-8 byte order mark is dropped silently.
	if d := DecodeAll("f.yaml", append([]byte("\xef\xbb\xbf"), good...), &v, Options{}); len(d.Problems) != 0 || v.Centre.Name != "CUS" {
		t.Errorf("BOM: %v %+v", d.Problems, v)
	}
	win, _ := charmap.Windows1250.NewEncoder().String(strings.Replace(good, "name: CUS", "name: Ośrodek", 1))
	d := DecodeAll("f.yaml", []byte(win), &v, Options{})
	if d.Pos != nil || len(d.Problems) != 1 || !strings.HasPrefix(d.Problems[0].String(), "f.yaml:2:10: the file is saved as Windows-1250") {
		t.Errorf("Windows-1250: %v", d.Problems)
	}
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(good)
	if d := DecodeAll("f.yaml", []byte(u16), &v, Options{}); len(d.Problems) != 1 || !strings.Contains(d.Problems[0].Message, "UTF-16") {
		t.Errorf("UTF-16: %v", d.Problems)
	}
	if d := DecodeAll("f.yaml", []byte("note: \x81\x8d\x8f\x90\n"), &v, Options{}); len(d.Problems) != 1 || !strings.Contains(d.Problems[0].Message, "not saved as UTF-8") {
		t.Errorf("unknown encoding: %v", d.Problems)
	}
}

func TestToUTF8(t *testing.T) {
	win, _ := charmap.Windows1250.NewEncoder().String("Zasiłek, ŚDS, źdźbło")
	tests := []struct {
		in, want, enc string
	}{
		{"Zasiłek", "Zasiłek", EncodingUTF8},
		{"\xef\xbb\xbfZasiłek", "Zasiłek", EncodingUTF8},
		{win, "Zasiłek, ŚDS, źdźbło", EncodingWindows1250},
	}
	for _, tt := range tests {
		out, enc := ToUTF8([]byte(tt.in))
		if string(out) != tt.want || enc != tt.enc {
			t.Errorf("ToUTF8(%q) = %q, %s; want %q, %s", tt.in, out, enc, tt.want, tt.enc)
		}
	}
}
