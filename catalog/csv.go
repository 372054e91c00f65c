package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"okienko/bot/orgtext"
	"okienko/bot/yamlfile"
)

// CSVColumns are the columns a catalogue spreadsheet may have, in the order
// `catalog import` documents them. List cells (audience, keywords) separate
// entries with ";". The header row is required; columns may come in any
// order; id, name, category, summary and provider_name are required.
var CSVColumns = []string{
	"id", "name", "category", "summary", "description", "audience", "keywords", "eligibility", "cost",
	"how_to_apply", "documents", "appointment", "kind",
	"provider_name", "provider_address", "provider_phone", "provider_email", "provider_hours", "provider_url",
	"uk_name", "uk_summary", "uk_description", "uk_keywords", "uk_eligibility", "uk_cost", "uk_how_to_apply", "uk_documents", "uk_hours",
	"en_name", "en_summary", "en_description", "en_keywords", "en_eligibility", "en_cost", "en_how_to_apply", "en_documents", "en_hours",
}

var requiredCSVColumns = []string{"id", "name", "category", "summary", "provider_name"}

// csvField maps a column to the YAML path of the field it fills, so that
// problems found by the checker point at the right cell.
func csvField(col string) string {
	if rest, ok := strings.CutPrefix(col, "provider_"); ok {
		return "provider." + rest
	}
	for _, lang := range Languages {
		if rest, ok := strings.CutPrefix(col, lang+"_"); ok {
			return "translations." + lang + "." + rest
		}
	}
	return col
}

// parseCSV reads a spreadsheet export: comma- or semicolon-separated (as
// Polish spreadsheets save), UTF-8 with or without a byte order mark, or
// Windows-1250 or UTF-16 (converted, with a warning that says so). Problems
// name the row and column as the spreadsheet shows them (row 1 is the
// header; a cell with line breaks is still one row).
func parseCSV(name string, data []byte) (parsed, Problems) {
	p := parsed{name: name, pos: yamlfile.Positions{}, csv: true}
	fail := func(line, col int, format string, args ...any) (parsed, Problems) {
		return p, Problems{yamlfile.Newf(name, line, col, format, args...)}
	}
	if len(data) > MaxFileSize {
		return fail(1, 1, "file too large: %d bytes (at most %d)", len(data), MaxFileSize)
	}
	var probs Problems
	data, enc := yamlfile.ToUTF8(data)
	switch enc {
	case yamlfile.EncodingWindows1250:
		probs = append(probs, yamlfile.Warnf(name, 1, 1, "the file was saved as Windows-1250 (Excel's \"CSV\" format on Polish Windows): converted to UTF-8, Polish letters kept; next time choose \"CSV UTF-8\" when saving"))
	case yamlfile.EncodingUTF16:
		probs = append(probs, yamlfile.Warnf(name, 1, 1, "the file was saved as UTF-16 (Excel's \"Unicode text\"): converted to UTF-8"))
	case yamlfile.EncodingUnknown:
		return fail(1, 1, "the file is neither UTF-8 nor Windows-1250: save it from the spreadsheet as \"CSV UTF-8\"")
	}
	r := csv.NewReader(bytes.NewReader(data))
	// The separator the header row uses most: "," (CSV), ";" (CSV from a
	// Polish Excel) or a tab (Excel's "Unicode text").
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	best := bytes.Count(firstLine, []byte(","))
	for _, sep := range []rune{';', '\t'} {
		if n := bytes.Count(firstLine, []byte(string(sep))); n > best {
			r.Comma, best = sep, n
		}
	}
	r.FieldsPerRecord = -1
	rows := rowsByLine(data)
	row := func(line int) int {
		if r, ok := rows[line]; ok {
			return r
		}
		return line
	}
	header, err := r.Read()
	if err != nil {
		return fail(1, 1, "cannot read the header row: %s", csvMessage(err))
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "" && allEmpty(header[i:]):
			// Spreadsheets export trailing empty columns: ignore them.
		case !slices.Contains(CSVColumns, h):
			probs = append(probs, csvProblem(name, 1, i+1, "unknown column %q (columns: %s)", h, strings.Join(CSVColumns, ", ")))
		case cols[h] != 0:
			probs = append(probs, csvProblem(name, 1, i+1, "column %q appears twice", h))
		default:
			cols[h] = i + 1 // 0 means absent
		}
	}
	for _, req := range requiredCSVColumns {
		if cols[req] == 0 {
			probs = append(probs, yamlfile.Newf(name, 1, 1, "missing required column %q", req))
		}
	}
	if probs.Errors() > 0 {
		return p, probs
	}
	for n := 0; ; {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				probs = append(probs, csvProblem(name, row(pe.Line), 0, "%s", csvMessage(err)))
				return p, probs
			}
			return fail(1, 1, "%s", csvMessage(err))
		}
		if allEmpty(rec) {
			continue // an empty line or a row of empty cells
		}
		line, _ := r.FieldPos(0)
		at := row(line)
		if len(rec) > len(header) {
			probs = append(probs, csvProblem(name, at, len(header)+1, "row has %d cells but the header has %d columns", len(rec), len(header)))
			continue
		}
		cell := func(col string) string {
			i := cols[col] - 1
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		base := fmt.Sprintf("services[%d]", n)
		p.pos[base] = yamlfile.Position{Line: at, Column: 1}
		for col, i := range cols {
			if i-1 < len(rec) {
				p.pos[base+"."+csvField(col)] = yamlfile.Position{Line: at, Column: i}
			}
		}
		s := Service{
			ID: cell("id"), Name: cell("name"), Category: cell("category"), Summary: cell("summary"),
			Description: cell("description"), Audience: splitList(cell("audience")), Keywords: splitList(cell("keywords")),
			Eligibility: cell("eligibility"), Cost: cell("cost"),
			HowToApply: cell("how_to_apply"), Documents: cell("documents"), Appointment: cell("appointment"), Kind: cell("kind"),
			Provider: Provider{Name: cell("provider_name"), Address: cell("provider_address"), Phone: cell("provider_phone"),
				Email: cell("provider_email"), Hours: cell("provider_hours"), URL: cell("provider_url")},
		}
		for _, lang := range Languages {
			t := Translation{Name: cell(lang + "_name"), Summary: cell(lang + "_summary"), Description: cell(lang + "_description"), Keywords: splitList(cell(lang + "_keywords")),
				Eligibility: cell(lang + "_eligibility"), Cost: cell(lang + "_cost"), HowToApply: cell(lang + "_how_to_apply"), Documents: cell(lang + "_documents"), Hours: cell(lang + "_hours")}
			if t.Name+t.Summary+t.Description+t.Eligibility+t.Cost+t.HowToApply+t.Documents+t.Hours != "" || len(t.Keywords) > 0 {
				if s.Translations == nil {
					s.Translations = map[string]Translation{}
				}
				s.Translations[lang] = t
			}
		}
		p.cat.Services = append(p.cat.Services, s)
		n++
	}
	return p, probs
}

// csvProblem is an error at a spreadsheet cell: file.csv:ROW:COLUMN, and
// the column's letter as the spreadsheet shows it (col 0: the whole row).
func csvProblem(name string, row, col int, format string, args ...any) Problem {
	inner := orgtext.Msg{Format: format, Args: args}
	if col <= 0 {
		return yamlfile.Newf(name, row, 1, "row %d: %v", row, inner)
	}
	return yamlfile.Newf(name, row, col, "row %d, column %s: %v", row, ColumnLetter(col), inner)
}

// ColumnLetter names the col-th column (1-based) as spreadsheets do: A…Z,
// AA, AB…
func ColumnLetter(col int) string {
	var out []byte
	for col > 0 {
		col--
		out = append([]byte{byte('A' + col%26)}, out...)
		col /= 26
	}
	return string(out)
}

// rowsByLine maps each line of a CSV file that starts a row to the row's
// number as a spreadsheet shows it: a line break inside a quoted cell does
// not start a row, an empty line does.
func rowsByLine(data []byte) map[int]int {
	rows := map[int]int{1: 1}
	line, row, quoted := 1, 1, false
	for _, b := range data {
		switch b {
		case '"':
			quoted = !quoted
		case '\n':
			line++
			if !quoted {
				row++
				rows[line] = row
			}
		}
	}
	return rows
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func splitList(cell string) []string {
	var out []string
	for _, part := range strings.Split(cell, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// csvMessage drops the position the CSV library puts in its message; the
// problem line carries it.
func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ImportCSV reads one spreadsheet export, checks it, and returns the
// catalogue as YAML in the documented format.
func ImportCSV(name string, data []byte) ([]byte, Problems) {
	p, probs := parseCSV(name, data)
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	c, cp := check([]parsed{p})
	probs = append(probs, cp...)
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	out, err := yamlfile.Encode(c)
	if err != nil {
		return nil, append(probs, yamlfile.Newf(name, 1, 1, "cannot write YAML: %v", err))
	}
	header := "# Generated by `okienko catalog import` from " + name + ".\n# Edit the spreadsheet and import again, or edit this file and stop using the spreadsheet.\n"
	return append([]byte(header), out...), probs
}
