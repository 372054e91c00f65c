// Package yamlfile reads the YAML files organizers edit (dialog scripts,
// the service catalogue) strictly and safely: size, depth, no anchors or
// aliases, no panics, and every problem reported as path:line:col with a
// message that names no Go types.
package yamlfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"okienko/bot/orgtext"
)

// Problem is one thing wrong (or worth a warning) in a script file.
// Message is the English text; Format and Args, when set (see Newf), let
// In print it in the organizer's language from the one message table of
// package orgtext.
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
	Warning bool
	Format  string // the English format of Message, a key of the orgtext table
	Args    []any
}

// Newf makes an error at path:line:col from a message of the orgtext table.
func Newf(file string, line, col int, format string, args ...any) Problem {
	return Problem{File: file, Line: line, Col: col, Message: orgtext.Sprintf(orgtext.English, format, args...), Format: format, Args: args}
}

// Warnf makes a warning at path:line:col from a message of the orgtext table.
func Warnf(file string, line, col int, format string, args ...any) Problem {
	p := Newf(file, line, col, format, args...)
	p.Warning = true
	return p
}

// String formats the problem as path:line:col: message, the form editors
// and organizers' tools understand.
func (p Problem) String() string { return p.In(orgtext.English) }

// In formats the problem as path:line:col: message in lang (pl or en).
func (p Problem) In(lang string) string {
	kind := ""
	if p.Warning {
		kind = orgtext.Translate(lang, "warning: ")
	}
	msg := p.Message
	if p.Format != "" {
		msg = orgtext.Sprintf(lang, p.Format, p.Args...)
	}
	return fmt.Sprintf("%s:%d:%d: %s%s", p.File, p.Line, p.Col, kind, msg)
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
