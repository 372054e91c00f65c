package catalog

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"okienko/bot/yamlfile"
)

// Problem is one thing wrong in a catalogue file, at path:line:col.
type Problem = yamlfile.Problem

// Problems is the outcome of reading and checking catalogue files.
type Problems = yamlfile.Problems

// Limits protect the loader from broken or hostile files.
const (
	MaxFileSize = 8 << 20 // bytes per file
	MaxServices = 20000
	maxDepth    = 12
	maxText     = 8000 // characters of one text field
)

//go:embed data/sample.yaml
var sample embed.FS

// SampleName is how problems and logs name the bundled sample catalogue.
const SampleName = "catalog/data/sample.yaml"

// Sample returns the bundled sample catalogue of a fictional mid-sized city.
func Sample() (*Catalog, Problems) {
	data, err := sample.ReadFile("data/sample.yaml")
	if err != nil {
		return nil, Problems{yamlfile.Newf(SampleName, 1, 1, "%s", err.Error())}
	}
	return Parse([]File{{Name: SampleName, Data: data}})
}

// File is one catalogue file's name (as shown in problems) and content:
// YAML, or CSV when the name ends in .csv.
type File struct {
	Name string
	Data []byte
}

// ReadFiles reads catalogue files from disk; a directory contributes its
// *.yaml, *.yml and *.csv files.
func ReadFiles(paths ...string) ([]File, Problems) {
	names, probs := listFiles(paths)
	files := make([]File, 0, len(names))
	for _, p := range names {
		data, err := os.ReadFile(p)
		if err != nil {
			probs = append(probs, yamlfile.Newf(p, 1, 1, "cannot read: %v", pathless(err)))
			continue
		}
		files = append(files, File{Name: p, Data: data})
	}
	return files, probs
}

func isCatalogFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml" || ext == ".csv"
}

// Load reads, merges and checks catalogue files (see ReadFiles). The
// catalogue is nil when there are errors.
func Load(paths ...string) (*Catalog, Problems) {
	files, probs := ReadFiles(paths...)
	if len(probs) > 0 {
		return nil, probs
	}
	return Parse(files)
}

// parsed is one file's services with the positions of their fields.
type parsed struct {
	name    string
	cat     Catalog
	pos     yamlfile.Positions
	damaged bool  // lines were skipped to read the rest: services may be missing
	skipped []int // lines of fields dropped as wrongly written
	csv     bool  // a spreadsheet: positions are rows and columns as the spreadsheet shows them
	// coarse: read on the fast path, pos holds only where each service
	// starts (services[i]), enough to place a warning on its service.
	coarse bool
}

// problem is an error at pos; in a spreadsheet it names the row and column
// as the spreadsheet shows them.
func (f parsed) problem(pos yamlfile.Position, format string, args ...any) Problem {
	if f.csv {
		return csvProblem(f.name, pos.Line, pos.Column, format, args...)
	}
	return yamlfile.Newf(f.name, pos.Line, pos.Column, format, args...)
}

// Parse decodes, merges and checks files. The catalogue is nil when there
// are errors. Files in the plain subset of YAML organizers write are read
// on the fast path (fast.go); problems are always reported by
// ParsePositional.
func Parse(files []File) (*Catalog, Problems) {
	if len(files) > 0 {
		if c, warnings, ok := parseFast(files); ok {
			return c, warnings.Sort()
		}
	}
	return ParsePositional(files)
}

// ParsePositional is Parse reading every file with positions: the
// reference the fast path is tested against, and the baseline of the load
// benchmarks.
func ParsePositional(files []File) (*Catalog, Problems) {
	if len(files) == 0 {
		return nil, Problems{yamlfile.Newf("catalog", 1, 1, "no catalogue files")}
	}
	var (
		all    []parsed
		probs  Problems
		broken bool
	)
	for _, f := range files {
		var p parsed
		var fp Problems
		if strings.EqualFold(filepath.Ext(f.Name), ".csv") {
			p, fp = parseCSV(f.Name, f.Data)
		} else {
			p, fp = parseYAML(f.Name, f.Data)
		}
		probs = append(probs, fp...)
		if p.pos != nil && !p.damaged && !(p.csv && fp.Errors() > 0) {
			all = append(all, p)
		} else {
			broken = true
		}
	}
	if broken {
		// Services are checked once every line of every file reads.
		return nil, probs.Sort()
	}
	c, cp := check(all)
	probs = append(probs, cp...)
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	return c, probs.Sort()
}

func parseYAML(name string, data []byte) (parsed, Problems) {
	p := parsed{name: name}
	d := yamlfile.DecodeAll(name, data, &p.cat, yamlfile.Options{MaxSize: MaxFileSize, MaxDepth: maxDepth, Schema: "catalog/schema.json"})
	p.pos, p.damaged, p.skipped = d.Pos, d.Damaged, d.Skipped
	return p, d.Problems
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9]+([-_][a-z0-9]+)*$`)
)

// check validates every service and merges the files, reporting each
// problem at the field's position.
func check(files []parsed) (*Catalog, Problems) {
	var probs, warnings Problems
	at := func(f parsed, path, format string, args ...any) {
		pos := f.pos.At(path)
		if slices.Contains(f.skipped, pos.Line) {
			return // follows from a field dropped as wrongly written
		}
		probs = append(probs, f.problem(pos, format, args...))
	}
	type seenAt struct {
		file string
		line int
	}
	seen := map[string]seenAt{}
	out := &Catalog{}
	for _, f := range files {
		if len(f.cat.Services) == 0 {
			at(f, "services", "no services: the file needs a list under services:")
		}
		for i, s := range f.cat.Services {
			p := fmt.Sprintf("services[%d]", i)
			required := []struct{ field, value string }{
				{"id", s.ID}, {"name", s.Name}, {"category", s.Category}, {"summary", s.Summary}, {"provider.name", s.Provider.Name},
			}
			for _, r := range required {
				if strings.TrimSpace(r.value) == "" {
					at(f, p+"."+r.field, "service %s: missing required field %s", orIndex(s.ID, i), r.field)
				}
			}
			switch {
			case s.ID == "":
			case !idPattern.MatchString(s.ID):
				at(f, p+".id", "bad id %q: use lower-case letters a-z, digits and single hyphens, e.g. uslugi-opiekuncze", s.ID)
			default:
				if prev, dup := seen[s.ID]; dup {
					at(f, p+".id", "duplicate id %s (first defined at %s:%d)", s.ID, prev.file, prev.line)
				} else {
					seen[s.ID] = seenAt{f.name, f.pos.At(p + ".id").Line}
				}
			}
			if s.Category != "" && !slugPattern.MatchString(s.Category) {
				at(f, p+".category", "bad category %q: use a short slug of lower-case letters, digits, - or _, e.g. seniorzy", s.Category)
			}
			for j, a := range s.Audience {
				if strings.TrimSpace(a) == "" {
					at(f, fmt.Sprintf("%s.audience[%d]", p, j), "empty audience entry")
				}
			}
			for j, k := range s.Keywords {
				if strings.TrimSpace(k) == "" {
					at(f, fmt.Sprintf("%s.keywords[%d]", p, j), "empty keyword")
				}
			}
			for lang := range s.Translations {
				if !slices.Contains(Languages, lang) {
					at(f, p+".translations."+lang+"#key", "unknown translation language %q (use %s)", lang, strings.Join(Languages, " or "))
				}
			}
			for field, v := range map[string]string{"name": s.Name, "summary": s.Summary, "description": s.Description, "eligibility": s.Eligibility, "cost": s.Cost} {
				if len([]rune(v)) > maxText {
					at(f, p+"."+field, "%s is too long: %d characters (at most %d)", field, len([]rune(v)), maxText)
				}
			}
			entryProbs, untranslated := checkEntry(f, p, s)
			probs, warnings = append(probs, entryProbs...), append(warnings, untranslated...)
			out.Services = append(out.Services, s)
		}
	}
	if len(out.Services) > MaxServices {
		probs = append(probs, yamlfile.Newf(files[0].name, 1, 1, "too many services: %d (at most %d)", len(out.Services), MaxServices))
	}
	if probs.Errors() == 0 {
		// Missing translations matter once the catalogue is right.
		probs = append(probs, warnings...)
	}
	return out, probs
}

func orIndex(id string, i int) string {
	if id != "" {
		return id
	}
	return fmt.Sprintf("#%d", i+1)
}

func pathless(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
