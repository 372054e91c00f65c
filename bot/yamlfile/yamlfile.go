// Package yamlfile reads the YAML files organizers edit (dialog scripts,
// the service catalogue) strictly and safely: size, depth, no anchors or
// aliases, no panics, and every problem reported as path:line:col with a
// message that names no Go types.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
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

// Sort orders problems by file, line and column.
func (ps Problems) Sort() Problems {
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

// Position is a place in a file, 1-based.
type Position struct{ Line, Column int }

// Positions maps YAML paths ("steps.temat.choices[0].next") to where their
// values start; "path#key" is where the key itself is written.
type Positions map[string]Position

// At returns the position of p, or of its nearest ancestor present in the
// file, or line 1 column 1.
func (ps Positions) At(p string) Position {
	pos, ok := ps[p]
	for !ok && p != "" {
		p = parentPath(strings.TrimSuffix(p, "#key"))
		pos, ok = ps[p]
	}
	if !ok {
		return Position{Line: 1, Column: 1}
	}
	return pos
}

// Keys lists the keys of the mapping at path p in the order written.
func (ps Positions) Keys(p string) []string {
	prefix := p + "."
	var keys []string
	for k := range ps {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(k, prefix), "#key"); ok && strings.HasPrefix(k, prefix) && !strings.ContainsAny(name, ".[") {
			keys = append(keys, name)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		pa, pb := ps[prefix+a+"#key"], ps[prefix+b+"#key"]
		if pa.Line != pb.Line {
			return pa.Line - pb.Line
		}
		return pa.Column - pb.Column
	})
	return keys
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Options bound what Decode accepts.
type Options struct {
	MaxSize  int    // bytes; default 1 MiB
	MaxDepth int    // nesting of mappings and lists; default 24
	Schema   string // named in hints about unknown fields, e.g. "dialogs/schema.json"
}

func (o Options) withDefaults() Options {
	if o.MaxSize == 0 {
		o.MaxSize = 1 << 20
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = 24
	}
	return o
}

// Decode parses a YAML file within the limits into v, strictly (unknown
// fields are errors), and returns the positions of its nodes. The file must
// hold one document whose top is a mapping.
func Decode(name string, data []byte, v any, opts Options) (pos Positions, probs Problems) {
	opts = opts.withDefaults()
	defer func() {
		// The YAML library can panic on some malformed input; a broken file
		// must give a clear answer, never a crash.
		if r := recover(); r != nil {
			pos, probs = nil, Problems{{File: name, Line: 1, Col: 1, Message: "the file cannot be read as YAML: check indentation and quotes"}}
		}
	}()
	at := func(line, col int, format string, args ...any) Problems {
		return Problems{{File: name, Line: line, Col: col, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > opts.MaxSize {
		return nil, at(1, 1, "file too large: %d bytes (at most %d)", len(data), opts.MaxSize)
	}
	if p := checkIndentation(name, data, opts.MaxDepth); p != nil {
		return nil, p
	}
	if p := checkTokens(name, string(data), opts.MaxDepth); p != nil {
		return nil, p
	}
	astFile, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlProblem(name, err, opts.Schema)
	}
	pos = Positions{}
	for _, doc := range astFile.Docs {
		if doc.Body == nil {
			continue
		}
		if len(astFile.Docs) > 1 {
			return nil, at(doc.GetToken().Position.Line, 1, "one document per file: remove the '---' separator")
		}
		if d := depth(doc.Body); d > opts.MaxDepth {
			return nil, at(1, 1, "nested too deeply: %d levels (at most %d)", d, opts.MaxDepth)
		}
		if _, ok := Unwrap(doc.Body).(*ast.MappingNode); !ok {
			tk := doc.Body.GetToken()
			return nil, at(tk.Position.Line, tk.Position.Column, "expected a mapping of sections (name: value) at the top of the file")
		}
		walkPositions(doc.Body, "", pos)
		if err := yaml.NodeToValue(doc.Body, v, yaml.Strict()); err != nil {
			return nil, yamlProblem(name, err, opts.Schema)
		}
	}
	return pos, nil
}

// checkIndentation rejects block nesting deeper than maxDepth with a cheap
// line scan, before the YAML library tokenizes (it takes memory quadratic in
// the nesting: "- - - - …" forty thousand deep needs gigabytes). Indentation
// counts one level per two spaces, and each leading "- " one level.
func checkIndentation(name string, data []byte, maxDepth int) Problems {
	line := 1
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			end = len(data)
		}
		l := data[:end]
		i := 0
		for i < len(l) && l[i] == ' ' {
			i++
		}
		depth := i / 2
		for i+1 < len(l) && l[i] == '-' && l[i+1] == ' ' {
			depth++
			i += 2
			for i < len(l) && l[i] == ' ' {
				i++
			}
		}
		if depth > 4*maxDepth {
			return Problems{{File: name, Line: line, Col: 1, Message: fmt.Sprintf("nested too deeply (at most %d levels)", maxDepth)}}
		}
		if end == len(data) {
			break
		}
		data = data[end+1:]
		line++
	}
	return nil
}

// checkTokens rejects anchors, aliases and excessive flow nesting before
// parsing, so an alias bomb never expands.
func checkTokens(name, data string, maxDepth int) Problems {
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
			if flow > maxDepth {
				return Problems{{File: name, Line: tk.Position.Line, Col: tk.Position.Column,
					Message: fmt.Sprintf("nested too deeply (at most %d levels)", maxDepth)}}
			}
		case token.SequenceEndType, token.MappingEndType:
			flow--
		}
	}
	return nil
}

func depth(n ast.Node) int {
	switch v := Unwrap(n).(type) {
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
func yamlProblem(name string, err error, schema string) Problems {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tk := ye.GetToken()
		return Problems{{File: name, Line: tk.Position.Line, Col: tk.Position.Column, Message: plainYAMLMessage(ye.GetMessage(), schema)}}
	}
	return Problems{{File: name, Line: 1, Col: 1, Message: plainYAMLMessage(err.Error(), schema)}}
}

// plainYAMLMessage rewrites the YAML library's messages for organizers.
func plainYAMLMessage(msg, schema string) string {
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
	if got, want, ok := strings.Cut(msg, " was used where "); ok {
		want = strings.TrimSuffix(want, " is expected")
		return fmt.Sprintf("wrong type: expected %s, found %s", yamlKind(want), yamlKind(got))
	}
	if strings.HasPrefix(msg, "unknown field") {
		if schema == "" {
			return msg + " (check the spelling)"
		}
		return msg + " (check the spelling; see " + schema + ")"
	}
	if strings.Contains(msg, "already defined") {
		return "duplicate key: " + msg
	}
	return msg
}

// yamlKind names a YAML node kind for organizers.
func yamlKind(k string) string {
	switch k {
	case "sequence":
		return "a list"
	case "mapping":
		return "a mapping"
	case "string", "literal":
		return "a string"
	case "integer", "float":
		return "a number"
	case "bool":
		return "true or false"
	}
	return k
}

func goTypeWord(t string) string {
	switch {
	case t == "uint64" || t == "int64" || t == "float64":
		return "a number"
	case strings.HasPrefix(t, "[]"), t == "array":
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
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
func walkPositions(n ast.Node, p string, pos Positions) {
	switch v := Unwrap(n).(type) {
	case *ast.MappingNode:
		for _, kv := range v.Values {
			key := kv.Key.String()
			child := key
			if p != "" {
				child = p + "." + key
			}
			val := Unwrap(kv.Value)
			if _, nested := val.(*ast.MappingNode); nested || isSeq(val) || val == nil {
				pos[child] = at(kv.Key.GetToken())
			} else {
				pos[child] = at(val.GetToken())
			}
			pos[child+"#key"] = at(kv.Key.GetToken())
			walkPositions(kv.Value, child, pos)
		}
	case *ast.SequenceNode:
		for i, item := range v.Values {
			child := fmt.Sprintf("%s[%d]", p, i)
			pos[child] = at(item.GetToken())
			if m, ok := Unwrap(item).(*ast.MappingNode); ok && len(m.Values) > 0 {
				pos[child] = at(m.Values[0].Key.GetToken())
			}
			walkPositions(item, child, pos)
		}
	}
}

func at(tk *token.Token) Position {
	return Position{Line: tk.Position.Line, Column: tk.Position.Column}
}

func isSeq(n ast.Node) bool { _, ok := n.(*ast.SequenceNode); return ok }

// Unwrap looks through tags and anchors (rejected by Decode, but a node
// handed to a custom unmarshaler may still carry them).
func Unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

// Encode writes v as YAML in block style, the form organizers edit.
func Encode(v any) ([]byte, error) {
	return yaml.MarshalWithOptions(v, yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}
