package script

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

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
	Start       string            `yaml:"start"`
	AfterCase   string            `yaml:"after_case"`
	Address     string            `yaml:"address"`
	Acknowledge []Acknowledgement `yaml:"acknowledge"`
	Centre      *Centre           `yaml:"centre"`
	Messages    map[string]Text   `yaml:"messages"`
	OfficeHours *OfficeHours      `yaml:"office_hours"`
	Triggers    []Trigger         `yaml:"triggers"`
	Crisis      *Crisis           `yaml:"crisis"`
	Steps       map[string]*Step  `yaml:"steps"`
	Menu        []MenuEntry       `yaml:"menu"`
}

// MenuEntry lets a topic file add its button to a menu defined in another
// file (e.g. the main topic question), so that adding a topic needs no edit
// of the main file.
type MenuEntry struct {
	Step   string `yaml:"step"`  // the question whose buttons get the choice, e.g. temat
	Order  int    `yaml:"order"` // position: the step's own buttons count 10, 20, 30…; 0 puts it last
	Choice Choice `yaml:"choice"`
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
	// skipped lists lines whose fields were dropped as wrongly written.
	skipped []int
	// modified is when the file was last saved (zero when unknown).
	modified time.Time
}

// LoadDir loads every *.yaml and *.yml file directly in dir.
func LoadDir(dir string) (*Script, Problems) {
	return Load(os.DirFS(dir), dir)
}

// Load reads every *.yaml and *.yml file at the root of fsys, merges them
// and checks the result. display prefixes file names in problems. The
// script is nil when there are errors.
func Load(fsys fs.FS, display string) (*Script, Problems) {
	names, listProbs := yamlFiles(fsys, display)
	if listProbs != nil {
		return nil, listProbs
	}
	if len(names) == 0 {
		return nil, Problems{yamlfile.Newf(display, 1, 1, "no dialog files (*.yaml) found")}
	}
	if len(names) > MaxFiles {
		return nil, Problems{yamlfile.Newf(display, 1, 1, "too many files: %d (at most %d)", len(names), MaxFiles)}
	}
	var (
		sources []*source
		probs   Problems
		broken  bool // a file could not be read, or only with lines skipped
	)
	for _, name := range names {
		shown := name
		if display != "" {
			shown = path.Join(filepathToSlash(display), name)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, yamlfile.Newf(shown, 1, 1, "cannot read: %v", pathlessError(err)))
			broken = true
			continue
		}
		src, d := decodeFile(shown, data)
		probs = append(probs, d.Problems...)
		if src == nil || d.Damaged {
			broken = true
			continue
		}
		if info, err := fs.Stat(fsys, name); err == nil {
			src.modified = info.ModTime()
		}
		sources = append(sources, src)
	}
	if broken || len(sources) == 0 {
		// What the files mean is checked once every line of them reads:
		// a skipped line would be reported again as a missing step.
		return nil, probs.Sort()
	}
	// A section or step defined twice keeps its first definition, so the
	// checks of meaning go on without a cascade.
	sc, p := merge(sources)
	probs = append(probs, p...)
	probs = append(probs, dropSkipped(check(sc, sources), sources)...)
	if probs.Errors() > 0 {
		return nil, probs.Sort()
	}
	return sc, probs.Sort()
}

// dropSkipped leaves out problems of meaning found on a line whose field
// was dropped as wrongly written: they follow from that one mistake.
func dropSkipped(probs Problems, sources []*source) Problems {
	skipped := map[string]map[int]bool{}
	for _, src := range sources {
		for _, l := range src.skipped {
			if skipped[src.name] == nil {
				skipped[src.name] = map[int]bool{}
			}
			skipped[src.name][l] = true
		}
	}
	out := probs[:0]
	for _, p := range probs {
		if !skipped[p.File][p.Line] {
			out = append(out, p)
		}
	}
	return out
}

// decodeFile parses one dialog file within the limits and records node
// positions.
func decodeFile(name string, data []byte) (*source, yamlfile.Decoded) {
	src := &source{name: name}
	d := yamlfile.DecodeAll(name, data, &src.f, yamlfile.Options{MaxSize: MaxFileSize, MaxDepth: MaxDepth, Schema: "dialogs/schema.json"})
	if d.Pos == nil {
		return nil, d
	}
	src.pos, src.ord, src.skipped = d.Pos, d.Pos.Keys("steps"), d.Skipped
	return src, d
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
	// A step defined in two files is reported in the newer one (the file
	// just added or edited), not in the main file that had it first.
	keeper := map[string]*source{}
	for _, src := range sources {
		for _, id := range src.ord {
			if prev, ok := keeper[id]; !ok || newer(src, prev) {
				keeper[id] = src
			}
		}
	}
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
		if once(src, "address", f.Address != "") {
			sc.Address = f.Address
		}
		sc.Acknowledge = append(sc.Acknowledge, f.Acknowledge...)
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
			if k := keeper[id]; k != src {
				probs = append(probs, src.problem("steps."+id+"#key", "step %s is already defined in %s at line %d: give this one another id, or remove one of them", id, k.name, k.pos.At("steps."+id+"#key").Line))
				continue
			}
			if st == nil {
				st = &Step{}
			}
			st.ID = id
			sc.Steps[id] = st
			sc.Order = append(sc.Order, id)
		}
	}
	probs = append(probs, addMenuChoices(sc, sources)...)
	if len(sc.Steps) > MaxSteps {
		probs = append(probs, yamlfile.Newf(sources[0].name, 1, 1, "too many steps: %d (at most %d)", len(sc.Steps), MaxSteps))
	}
	return sc, probs
}

// newer reports whether b, defining the same step as a, is the newer
// definition, the one to report: a is the main file (it has start), or b
// was saved later. Otherwise the later file in name order is.
func newer(a, b *source) bool {
	switch {
	case (a.f.Start != "") != (b.f.Start != ""):
		return a.f.Start != ""
	case !a.modified.Equal(b.modified):
		return b.modified.After(a.modified)
	}
	return false
}

// problem reports a problem at a YAML path, or at its nearest ancestor
// present in the file.
func (src *source) problem(p string, format string, args ...any) Problem {
	pos := src.pos.At(p)
	return yamlfile.Newf(src.name, pos.Line, pos.Column, format, args...)
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

// addMenuChoices inserts the choices topic files contribute to menus, by
// order among the menu's own buttons (10, 20, 30…), remembering where each
// was written so that its problems are reported there.
func addMenuChoices(sc *Script, sources []*source) Problems {
	var probs Problems
	type added struct {
		order int
		ch    Choice
		from  choiceOrigin
	}
	byStep := map[string][]added{}
	var steps []string
	for _, src := range sources {
		for i, m := range src.f.Menu {
			p := fmt.Sprintf("menu[%d]", i)
			st, ok := sc.Steps[m.Step]
			switch {
			case m.Step == "":
				probs = append(probs, src.problem(p, "a menu entry needs step: the question whose buttons get this choice, e.g. step: temat"))
				continue
			case !ok:
				probs = append(probs, src.problem(p+".step", "menu names a missing step %q", m.Step))
				continue
			case len(st.Choices) == 0:
				probs = append(probs, src.problem(p+".step", "step %s has no buttons (choices), so it is not a menu", m.Step))
				continue
			}
			order := m.Order
			if order <= 0 {
				order = 1 << 30
			}
			if _, seen := byStep[m.Step]; !seen {
				steps = append(steps, m.Step)
			}
			byStep[m.Step] = append(byStep[m.Step], added{order, m.Choice, choiceOrigin{src: src, path: p + ".choice"}})
		}
	}
	for _, id := range steps {
		st := sc.Steps[id]
		all := make([]added, 0, len(st.Choices)+len(byStep[id]))
		for i, ch := range st.Choices {
			all = append(all, added{order: (i + 1) * 10, ch: ch})
		}
		all = append(all, byStep[id]...)
		slices.SortStableFunc(all, func(a, b added) int { return a.order - b.order })
		st.Choices = st.Choices[:0:0]
		st.choiceFrom = make([]choiceOrigin, 0, len(all))
		for _, a := range all {
			st.Choices = append(st.Choices, a.ch)
			st.choiceFrom = append(st.choiceFrom, a.from)
		}
	}
	return probs
}

// yamlFiles lists the *.yaml and *.yml files at the root of fsys, sorted:
// the dialog files and the conversation-test files alike.
func yamlFiles(fsys fs.FS, display string) ([]string, Problems) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Problems{yamlfile.Newf(display, 1, 1, "cannot read the folder: %v", pathlessError(err))}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
