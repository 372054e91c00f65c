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

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits protect the loader from broken or hostile files.
const (
	MaxFileSize  = 1 << 20 // bytes per file
	MaxFiles     = 100
	MaxSteps     = 2000
	MaxDepth     = 24 // nesting of mappings and lists
	maxTextBytes = 4000
)

// Problem is one thing wrong (or worth a warning) in a script file.
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
	Warning bool
}

// String formats the problem as path:line:col: message, the form editors
// and organizers' tools understand.
func (p Problem) String() string {
	kind := ""
	if p.Warning {
		kind = "warning: "
	}
	return fmt.Sprintf("%s:%d:%d: %s%s", p.File, p.Line, p.Col, kind, p.Message)
}

// Problems is the outcome of checking scripts.
type Problems []Problem

// Errors counts the problems that are not warnings.
func (ps Problems) Errors() int {
	n := 0
	for _, p := range ps {
		if !p.Warning {
			n++
		}
	}
	return n
}

// Err returns an error listing the problems that are not warnings, or nil.
func (ps Problems) Err() error {
	var lines []string
	for _, p := range ps {
		if !p.Warning {
			lines = append(lines, p.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "\n"))
}

// file is one YAML file's content before merging.
type file struct {
	Start       string           `yaml:"start"`
	Centre      *Centre          `yaml:"centre"`
	Messages    map[string]Text  `yaml:"messages"`
	OfficeHours *OfficeHours     `yaml:"office_hours"`
	Triggers    []Trigger        `yaml:"triggers"`
	Crisis      *Crisis          `yaml:"crisis"`
	Steps       map[string]*Step `yaml:"steps"`
}

// source is a decoded file with the positions of its nodes by YAML path.
type source struct {
	name string
	pos  map[string]token.Position
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
		return nil, sortProblems(probs)
	}
	return sc, sortProblems(probs)
}

func sortProblems(ps Problems) Problems {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return ps
}

// decodeFile parses one dialog file within the limits and records node
// positions.
func decodeFile(name string, data []byte) (*source, Problems) {
	src := &source{name: name}
	s, p := decodeInto(name, data, &src.f)
	if p != nil {
		return nil, p
	}
	src.pos, src.ord = s.pos, s.ord
	return src, nil
}

// decodeInto parses a YAML file within the limits into v, strictly, and
// returns the positions of its nodes.
func decodeInto(name string, data []byte, v any) (src *source, probs Problems) {
	defer func() {
		// The YAML library can panic on some malformed input; a broken file
		// must give a clear answer, never a crash.
		if r := recover(); r != nil {
			src, probs = nil, Problems{{File: name, Line: 1, Col: 1, Message: "the file cannot be read as YAML: check indentation and quotes"}}
		}
	}()
	at := func(line, col int, format string, args ...any) Problems {
		return Problems{{File: name, Line: line, Col: col, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > MaxFileSize {
		return nil, at(1, 1, "file too large: %d bytes (at most %d)", len(data), MaxFileSize)
	}
	if p := checkTokens(name, string(data)); p != nil {
		return nil, p
	}
	astFile, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlProblem(name, err)
	}
	src = &source{name: name, pos: map[string]token.Position{}}
	for _, doc := range astFile.Docs {
		if doc.Body == nil {
			continue
		}
		if len(astFile.Docs) > 1 {
			return nil, at(doc.GetToken().Position.Line, 1, "one document per file: remove the '---' separator")
		}
		if d := depth(doc.Body); d > MaxDepth {
			return nil, at(1, 1, "nested too deeply: %d levels (at most %d)", d, MaxDepth)
		}
		if _, ok := unwrap(doc.Body).(*ast.MappingNode); !ok {
			tk := doc.Body.GetToken()
			return nil, at(tk.Position.Line, tk.Position.Column, "expected a mapping of sections (name: value) at the top of the file")
		}
		walkPositions(doc.Body, "", src.pos)
		src.ord = stepOrder(doc.Body)
		if err := yaml.NodeToValue(doc.Body, v, yaml.Strict()); err != nil {
			return nil, yamlProblem(name, err)
		}
	}
	return src, nil
}

// checkTokens rejects anchors, aliases and excessive flow nesting before
// parsing, so an alias bomb never expands.
func checkTokens(name, data string) Problems {
	flow := 0
	for _, tk := range lexer.Tokenize(data) {
		switch tk.Type {
		case token.AnchorType, token.AliasType, token.MergeKeyType:
			return Problems{{File: name, Line: tk.Position.Line, Col: tk.Position.Column,
				Message: "anchors and aliases (&name, *name, <<) are not allowed: write the text out"}}
		case token.TagType:
			return Problems{{File: name, Line: tk.Position.Line, Col: tk.Position.Column,
				Message: "tags (!name) are not allowed: put texts that start with ! in quotes"}}
		case token.SequenceStartType, token.MappingStartType:
			flow++
			if flow > MaxDepth {
				return Problems{{File: name, Line: tk.Position.Line, Col: tk.Position.Column,
					Message: fmt.Sprintf("nested too deeply (at most %d levels)", MaxDepth)}}
			}
		case token.SequenceEndType, token.MappingEndType:
			flow--
		}
	}
	return nil
}

func depth(n ast.Node) int {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		d := 0
		for _, kv := range v.Values {
			d = max(d, depth(kv.Value))
		}
		return d + 1
	case *ast.MappingValueNode:
		return depth(v.Value) + 1
	case *ast.SequenceNode:
		d := 0
		for _, item := range v.Values {
			d = max(d, depth(item))
		}
		return d + 1
	}
	return 0
}

// yamlProblem turns a YAML library error into a problem with a position and
// a message without Go type names.
func yamlProblem(name string, err error) Problems {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tk := ye.GetToken()
		return Problems{{File: name, Line: tk.Position.Line, Col: tk.Position.Column, Message: plainYAMLMessage(ye.GetMessage())}}
	}
	return Problems{{File: name, Line: 1, Col: 1, Message: plainYAMLMessage(err.Error())}}
}

// plainYAMLMessage rewrites the YAML library's messages for organizers.
func plainYAMLMessage(msg string) string {
	if i := strings.Index(msg, "cannot unmarshal "); i >= 0 {
		rest := msg[i+len("cannot unmarshal "):]
		got, _, _ := strings.Cut(rest, " into ")
		got = goTypeWord(got)
		want := "another type"
		if j := strings.LastIndex(rest, " of type "); j >= 0 {
			want = goTypeWord(rest[j+len(" of type "):])
		}
		return fmt.Sprintf("wrong type: expected %s, found %s", want, got)
	}
	if strings.HasPrefix(msg, "unknown field") {
		return msg + " (check the spelling; see dialogs/schema.json)"
	}
	if strings.Contains(msg, "already defined") {
		return "duplicate key: " + msg
	}
	return msg
}

func goTypeWord(t string) string {
	switch {
	case t == "uint64" || t == "int64" || t == "float64":
		return "a number"
	case strings.HasPrefix(t, "[]"), t == "array":
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "script."), strings.HasPrefix(t, "*script."):
		return "a mapping"
	case t == "int":
		return "a whole number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return t
}

// walkPositions records the position of every node by its YAML path, e.g.
// "steps.temat.choices[0].next".
func walkPositions(n ast.Node, p string, pos map[string]token.Position) {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		for _, kv := range v.Values {
			key := kv.Key.String()
			child := key
			if p != "" {
				child = p + "." + key
			}
			val := unwrap(kv.Value)
			if _, nested := val.(*ast.MappingNode); nested || isSeq(val) || val == nil {
				pos[child] = *kv.Key.GetToken().Position
			} else {
				pos[child] = *val.GetToken().Position
			}
			pos[child+"#key"] = *kv.Key.GetToken().Position
			walkPositions(kv.Value, child, pos)
		}
	case *ast.SequenceNode:
		for i, item := range v.Values {
			child := fmt.Sprintf("%s[%d]", p, i)
			pos[child] = *item.GetToken().Position
			if m, ok := unwrap(item).(*ast.MappingNode); ok && len(m.Values) > 0 {
				pos[child] = *m.Values[0].Key.GetToken().Position
			}
			walkPositions(item, child, pos)
		}
	}
}

func isSeq(n ast.Node) bool { _, ok := n.(*ast.SequenceNode); return ok }

// stepOrder lists the step ids of a file body in the order written.
func stepOrder(body ast.Node) []string {
	m, _ := unwrap(body).(*ast.MappingNode)
	if m == nil {
		return nil
	}
	for _, kv := range m.Values {
		if kv.Key.String() != "steps" {
			continue
		}
		steps, _ := unwrap(kv.Value).(*ast.MappingNode)
		if steps == nil {
			return nil
		}
		var ids []string
		for _, s := range steps.Values {
			ids = append(ids, s.Key.String())
		}
		return ids
	}
	return nil
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
	pos, ok := src.pos[p]
	for !ok && p != "" {
		p = parentPath(strings.TrimSuffix(p, "#key"))
		pos, ok = src.pos[p]
	}
	if !ok {
		pos = token.Position{Line: 1, Column: 1}
	}
	return Problem{File: src.name, Line: pos.Line, Col: pos.Column, Message: fmt.Sprintf(format, args...)}
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
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
