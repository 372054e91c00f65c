package script

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"okienko/bot/yamlfile"
)

// Limits protect the loader from broken or hostile files.
const (
	MaxFileSize  = 1 << 20 // bytes per file
	MaxFiles     = 100
	MaxSteps     = 2000
	MaxDepth     = 24 // nesting of mappings and lists
	maxTextBytes = 4000
)

// file is one YAML file's content before merging.
type file struct {
	Start       string           `yaml:"start"`
	AfterCase   string           `yaml:"after_case"`
	Centre      *Centre          `yaml:"centre"`
	Messages    map[string]Text  `yaml:"messages"`
	OfficeHours *OfficeHours     `yaml:"office_hours"`
	Triggers    []Trigger        `yaml:"triggers"`
	Crisis      *Crisis          `yaml:"crisis"`
	Steps       map[string]*Step `yaml:"steps"`
}

// Problem is one thing wrong (or worth a warning) in a script file.
type Problem = yamlfile.Problem

// Problems is the outcome of checking scripts.
type Problems = yamlfile.Problems

// source is a decoded file with the positions of its nodes by YAML path.
type source struct {
	name string
	pos  yamlfile.Positions
	f    file
	ord  []string // step ids in file order
}

// LoadDir loads every *.yaml and *.yml file directly in dir.
func LoadDir(dir string) (*Script, Problems) {
	return Load(os.DirFS(dir), dir)
}

// Load reads every *.yaml and *.yml file at the root of fsys, merges them
// and checks the result. display prefixes file names in problems. The
// script is nil when there are errors.
func Load(fsys fs.FS, display string) (*Script, Problems) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Problems{{File: display, Line: 1, Col: 1, Message: fmt.Sprintf("cannot read the folder: %v", pathlessError(err))}}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, Problems{{File: display, Line: 1, Col: 1, Message: "no dialog files (*.yaml) found"}}
	}
	if len(names) > MaxFiles {
		return nil, Problems{{File: display, Line: 1, Col: 1, Message: fmt.Sprintf("too many files: %d (at most %d)", len(names), MaxFiles)}}
	}
	var (
		sources []*source
		probs   Problems
	)
	for _, name := range names {
		shown := name
		if display != "" {
			shown = path.Join(filepathToSlash(display), name)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, Problem{File: shown, Line: 1, Col: 1, Message: fmt.Sprintf("cannot read: %v", pathlessError(err))})
			continue
		}
		src, p := decodeFile(shown, data)
		probs = append(probs, p...)
		if src != nil {
			sources = append(sources, src)
		}
	}
	if probs.Errors() > 0 {
		return nil, probs
	}
	sc, p := merge(sources)
	probs = append(probs, p...)
	if probs.Errors() > 0 {
		return nil, probs
	}
	probs = append(probs, check(sc, sources)...)
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	return sc, probs.Sort()
}

// decodeFile parses one dialog file within the limits and records node
// positions.
func decodeFile(name string, data []byte) (*source, Problems) {
	src := &source{name: name}
	pos, p := yamlfile.Decode(name, data, &src.f, yamlfile.Options{MaxSize: MaxFileSize, MaxDepth: MaxDepth, Schema: "dialogs/schema.json"})
	if p != nil {
		return nil, p
	}
	src.pos, src.ord = pos, pos.Keys("steps")
	return src, nil
}

// merge combines the files; each section but steps and triggers may appear
// in one file only.
func merge(sources []*source) (*Script, Problems) {
	sc := &Script{Steps: map[string]*Step{}, Messages: map[string]Text{}}
	var probs Problems
	owner := map[string]string{}
	once := func(src *source, section string, present bool) bool {
		if !present {
			return false
		}
		if prev, ok := owner[section]; ok {
			probs = append(probs, src.problem(section+"#key", "%s is already defined in %s", section, prev))
			return false
		}
		owner[section] = src.name
		return true
	}
	stepFile := map[string]string{}
	for _, src := range sources {
		f := src.f
		if once(src, "start", f.Start != "") {
			sc.Start = f.Start
		}
		if once(src, "centre", f.Centre != nil) {
			sc.Centre = *f.Centre
		}
		if once(src, "office_hours", f.OfficeHours != nil) {
			sc.OfficeHours = f.OfficeHours
		}
		if once(src, "crisis", f.Crisis != nil) {
			sc.Crisis = f.Crisis
		}
		if once(src, "after_case", f.AfterCase != "") {
			sc.AfterCase = f.AfterCase
		}
		for k, v := range f.Messages {
			if prev, ok := owner["messages."+k]; ok {
				probs = append(probs, src.problem("messages."+k+"#key", "message %s is already defined in %s", k, prev))
				continue
			}
			owner["messages."+k] = src.name
			sc.Messages[k] = v
		}
		sc.Triggers = append(sc.Triggers, f.Triggers...)
		for _, id := range src.ord {
			st := f.Steps[id]
			if prev, ok := stepFile[id]; ok {
				probs = append(probs, src.problem("steps."+id+"#key", "step %s is already defined in %s", id, prev))
				continue
			}
			if st == nil {
				st = &Step{}
			}
			st.ID = id
			stepFile[id] = src.name
			sc.Steps[id] = st
			sc.Order = append(sc.Order, id)
		}
	}
	if len(sc.Steps) > MaxSteps {
		probs = append(probs, Problem{File: sources[0].name, Line: 1, Col: 1, Message: fmt.Sprintf("too many steps: %d (at most %d)", len(sc.Steps), MaxSteps)})
	}
	return sc, probs
}

// problem reports a problem at a YAML path, or at its nearest ancestor
// present in the file.
func (src *source) problem(p string, format string, args ...any) Problem {
	pos := src.pos.At(p)
	return Problem{File: src.name, Line: pos.Line, Col: pos.Column, Message: fmt.Sprintf(format, args...)}
}

// pathlessError drops the file system path from an error, which the problem
// line already names.
func pathlessError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func filepathToSlash(p string) string { return strings.ReplaceAll(p, string(os.PathSeparator), "/") }
