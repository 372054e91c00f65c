package catalog

import (
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"strings"
	"testing"
)

const good = `services:
  - id: uslugi-opiekuncze
    name: Usługi opiekuńcze
    category: seniorzy
    summary: Opiekunka w domu.
    provider: {name: CUS}
  - id: klub-seniora
    name: Klub Seniora
    category: seniorzy
    summary: Zajęcia.
    audience: [seniorzy]
    provider: {name: CUS, phone: "55 000 00 00"}
    translations:
      uk: {name: Клуб сеньйора}
`

func TestSampleCatalogueIsClean(t *testing.T) {
	c, probs := Sample()
	if c == nil || len(probs) > 0 {
		t.Fatalf("sample catalogue: %v", probs)
	}
	if len(c.Services) < 40 {
		t.Errorf("sample has %d services, want at least 40", len(c.Services))
	}
}

func TestCheckReportsEachProblemAtItsPosition(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"duplicate id", strings.Replace(good, "id: klub-seniora", "id: uslugi-opiekuncze", 1), "c.yaml:7:9: duplicate id uslugi-opiekuncze (first defined at c.yaml:2)"},
		{"bad id", strings.Replace(good, "id: klub-seniora", "id: Klub Seniora", 1), `c.yaml:7:9: bad id "Klub Seniora": use lower-case letters a-z, digits and single hyphens, e.g. uslugi-opiekuncze`},
		{"missing name", strings.Replace(good, "    name: Klub Seniora\n", "", 1), "c.yaml:7:5: service klub-seniora: missing required field name"},
		{"missing provider name", strings.Replace(good, "provider: {name: CUS}", "provider: {phone: \"1\"}", 1), "c.yaml:6:5: service uslugi-opiekuncze: missing required field provider.name"},
		{"unknown field", strings.Replace(good, "    summary: Zajęcia.\n", "    summary: Zajęcia.\n    colour: red\n", 1), `c.yaml:11:5: unknown field "colour" (check the spelling; see catalog/schema.json)`},
		{"wrong type", strings.Replace(good, "audience: [seniorzy]", "audience: seniorzy", 1), "c.yaml:11:15: wrong type: expected a list, found a string"},
		{"unknown language", strings.Replace(good, "      uk: {name: Клуб сеньйора}", "      de: {name: Seniorenklub}", 1), `c.yaml:14:7: unknown translation language "de" (use uk or en)`},
		{"bad category", strings.Replace(good, "category: seniorzy\n    summary: Zajęcia.", "category: Seniorzy i emeryci\n    summary: Zajęcia.", 1), `c.yaml:9:15: bad category "Seniorzy i emeryci": use a short slug of lower-case letters, digits, - or _, e.g. seniorzy`},
		{"alias", strings.Replace(good, "provider: {name: CUS}", "provider: &p {name: CUS}", 1), "c.yaml:6:15: anchors and aliases (&name, *name, <<) are not allowed: write the text out"},
		{"no services", "services: []\n", "c.yaml:1:1: no services: the file needs a list under services:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, probs := Parse([]File{{Name: "c.yaml", Data: []byte(tt.yaml)}})
			if c != nil {
				t.Errorf("a catalogue with errors was returned")
			}
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			for _, g := range got {
				if g == tt.want {
					return
				}
			}
			t.Errorf("problems:\n%s\nwant among them:\n%s", strings.Join(got, "\n"), tt.want)
		})
	}
}

func TestFilesMerge(t *testing.T) {
	other := "services:\n  - id: noclegownia\n    name: Noclegownia\n    category: mieszkanie\n    summary: Nocleg.\n    provider: {name: X}\n"
	c, probs := Parse([]File{{Name: "a.yaml", Data: []byte(good)}, {Name: "b.yaml", Data: []byte(other)}})
	if c == nil || len(c.Services) != 3 {
		t.Fatalf("merge: %v, %v", c, probs)
	}
	dup := strings.Replace(other, "id: noclegownia", "id: klub-seniora", 1)
	_, probs = Parse([]File{{Name: "a.yaml", Data: []byte(good)}, {Name: "b.yaml", Data: []byte(dup)}})
	if err := probs.Err(); err == nil || !strings.Contains(err.Error(), "b.yaml:2:9: duplicate id klub-seniora (first defined at a.yaml:7)") {
		t.Errorf("duplicate across files: %v", err)
	}
}

const csvGood = "id;name;category;summary;audience;keywords;provider_name;provider_phone;uk_name\n" +
	"uslugi-opiekuncze;Usługi opiekuńcze;seniorzy;Opiekunka w domu.;\"seniorzy; osoby chore\";\"opiekunka;pomoc w domu\";CUS;55 000 00 00;Догляд вдома\n" +
	"klub-seniora;Klub Seniora;seniorzy;Zajęcia.;seniorzy;;CUS;;\n"

func TestImportCSV(t *testing.T) {
	out, probs := ImportCSV("k.csv", []byte("\xef\xbb\xbf"+csvGood))
	if out == nil {
		t.Fatalf("import: %v", probs)
	}
	c, probs := Parse([]File{{Name: "k.yaml", Data: out}})
	if c == nil {
		t.Fatalf("the imported YAML does not load: %v\n%s", probs, out)
	}
	s, _ := c.ByID("uslugi-opiekuncze")
	if s.Name != "Usługi opiekuńcze" || len(s.Audience) != 2 || len(s.Keywords) != 2 || s.Provider.Phone != "55 000 00 00" || s.Translations["uk"].Name != "Догляд вдома" {
		t.Errorf("imported service = %+v", s)
	}
}

func TestImportCSVReportsRowsAndColumns(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"unknown column", strings.Replace(csvGood, "uk_name", "uk_nazwa", 1), `k.csv:1:9: row 1, column I: unknown column "uk_nazwa"`},
		{"missing column", strings.Replace(csvGood, "summary;", "opis;", 1), `k.csv:1:4: row 1, column D: unknown column "opis"`},
		{"bad id in a row", strings.Replace(csvGood, "klub-seniora;", "Klub Seniora;", 1), `k.csv:3:1: row 3, column A: bad id "Klub Seniora"`},
		{"missing name in a row", strings.Replace(csvGood, "klub-seniora;Klub Seniora;", "klub-seniora;;", 1), "k.csv:3:2: row 3, column B: service klub-seniora: missing required field name"},
		{"too many cells", csvGood + "x;y;z;w;a;b;c;d;e;f\n", "k.csv:4:10: row 4, column J: row has 10 cells but the header has 9 columns"},
		{"bad quotes", csvGood + "\"unterminated;x\n", "k.csv:4:1: row 4: "},
		{"a cell with line breaks is one row", strings.Replace(csvGood, "klub-seniora;Klub Seniora;", "\"klub-seniora\";\"Klub\nSeniora\";", 1) + "Zły;X;mieszkanie;S;;;;;CUS\n", "k.csv:4:1: row 4, column A: bad id \"Zły\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, probs := ImportCSV("k.csv", []byte(tt.csv))
			if out != nil {
				t.Errorf("YAML written despite errors")
			}
			err := probs.Err()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("problems %v, want %q", err, tt.want)
			}
		})
	}
}

func TestImportCSVWindows1250IsConvertedWithANotice(t *testing.T) {
	win, err := charmap.Windows1250.NewEncoder().String("id;name;category;summary;audience;keywords;provider_name;provider_phone;uk_name\n" + "zasilek;Zasiłek celowy;pieniadze;Pieniądze na pilną potrzebę.;;;Dział Świadczeń;;\n")
	if err != nil {
		t.Fatal(err)
	}
	out, probs := ImportCSV("k.csv", []byte(win))
	if out == nil {
		t.Fatalf("import: %v", probs)
	}
	if !strings.Contains(string(out), "Zasiłek celowy") || !strings.Contains(string(out), "Dział Świadczeń") {
		t.Errorf("Polish letters garbled:\n%s", out)
	}
	if probs := withoutTranslationWarnings(probs); len(probs) != 1 || !probs[0].Warning || !strings.Contains(probs[0].Message, "Windows-1250") {
		t.Errorf("want one warning naming Windows-1250, got %v", probs)
	}
	// The same bytes as a YAML catalogue are refused, naming the encoding.
	yamlWin, _ := charmap.Windows1250.NewEncoder().String("services:\n  - id: zasilek\n    name: Zasiłek\n    category: pieniadze\n    summary: S\n    provider: {name: CUS}\n")
	if c, probs := Parse([]File{{Name: "k.yaml", Data: []byte(yamlWin)}}); c != nil || !strings.Contains(probs.Err().Error(), "k.yaml:3:15: the file is saved as Windows-1250") {
		t.Errorf("a Windows-1250 YAML file: %v", probs)
	}
}

func TestImportCSVUnicodeTextFromExcel(t *testing.T) {
	// Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
	tsv := "id\tname\tcategory\tsummary\tprovider_name\nzasilek-celowy\tZasiłek celowy\tpieniadze\tNa pilną potrzebę.\tDział Świadczeń\n"
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(tsv)
	if err != nil {
		t.Fatal(err)
	}
	out, probs := ImportCSV("k.csv", []byte(u16))
	if out == nil || !strings.Contains(string(out), "Dział Świadczeń") {
		t.Fatalf("import: %v\n%s", probs, out)
	}
	if probs := withoutTranslationWarnings(probs); len(probs) != 1 || !strings.Contains(probs[0].Message, "UTF-16") {
		t.Errorf("want one warning naming UTF-16, got %v", probs)
	}
}
