package yamlfile

import (
	"bytes"
	"errors"
	"reflect"
	"strings"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"okienko/bot/orgtext"
)

// maxRecoveries bounds how many bad lines or nodes one file may have
// skipped over before checking stops; the count is reported.
const maxRecoveries = 50

// maxParsed bounds the bytes parsed again after repairs (about a second
// per megabyte here).
const maxParsed = 2 << 20

// Decoded is what DecodeAll found in one file.
type Decoded struct {
	// Pos maps YAML paths to positions; nil when nothing of the file
	// could be read (wrong encoding, too large, anchors).
	Pos Positions
	// Problems lists every problem found, in file order.
	Problems Problems
	// Damaged is set when lines had to be skipped over to read the rest
	// of the file (syntax errors): the decoded value misses them, so
	// checks of what the file means would report their absence.
	Damaged bool
	// Skipped lists the lines of fields dropped because of a wrong type,
	// an unknown name or a duplicate key (checks of meaning may ignore
	// what follows from their absence there).
	Skipped []int
}

// Decode parses a YAML file within the limits into v, strictly (unknown
// fields are errors), and returns the positions of its nodes. The file must
// hold one document whose top is a mapping. On errors it returns every
// problem DecodeAll finds and nil positions.
func Decode(name string, data []byte, v any, opts Options) (Positions, Problems) {
	d := DecodeAll(name, data, v, opts)
	if d.Problems.Errors() > 0 {
		return nil, d.Problems
	}
	return d.Pos, d.Problems
}

// DecodeAll is Decode that keeps going after a problem: a line YAML cannot
// read is reported with what to do about it (tabs, unquoted colons, ">=",
// indentation, quotes) and skipped or, where the fix is certain, fixed in
// memory; a field of a wrong type, an unknown field or a duplicate key is
// reported and dropped. So one run lists every independent mistake. A
// UTF-8 byte order mark is ignored; any other encoding is refused with a
// message naming it and how to save the file as UTF-8.
func DecodeAll(name string, data []byte, v any, opts Options) (out Decoded) {
	opts = opts.withDefaults()
	defer func() {
		// The YAML library can panic on some malformed input; a broken file
		// must give a clear answer, never a crash.
		if r := recover(); r != nil {
			out = Decoded{Problems: append(out.Problems, Newf(name, 1, 1, "the file cannot be read as YAML: check indentation and quotes"))}
		}
	}()
	fatal := func(p ...Problem) Decoded { return Decoded{Problems: p} }
	if len(data) > opts.MaxSize {
		return fatal(Newf(name, 1, 1, "file too large: %d bytes (at most %d)", len(data), opts.MaxSize))
	}
	data, p := utf8Content(name, data)
	if p != nil {
		return fatal(*p)
	}
	if p := checkIndentation(name, data, opts.MaxDepth); p != nil {
		return fatal(p...)
	}
	text := string(data)
	var probs Problems
	damaged := false
	reported := map[int]bool{} // lines with a syntax problem already
	report := func(pr Problem) {
		if !reported[pr.Line] {
			reported[pr.Line] = true
			probs = append(probs, pr)
		}
	}
	text = fixTabs(name, text, report)
	if p := checkTokens(name, text, opts.MaxDepth); p != nil {
		return fatal(append(probs, p...)...)
	}
	var astFile *ast.File
	parsed := 0 // bytes parsed so far: a budget, so that a long broken file still gets an answer in seconds
	for tries := 0; ; tries++ {
		parsed += len(text)
		f, err := parser.ParseBytes([]byte(text), 0, parser.AllowDuplicateMapKey())
		if err == nil {
			astFile = f
			break
		}
		pr, fixed, certain := syntaxProblem(name, text, err)
		if reported[pr.Line] {
			// The fix of this line did not help: skip the line instead
			// (a fix applied again could grow it without end).
			fixed, certain = commentOut(strings.SplitAfter(text, "\n"), pr.Line), false
		}
		report(pr)
		if tries >= maxRecoveries || parsed+len(fixed) > maxParsed || fixed == text || len(fixed) > 2*len(data)+4096 {
			return Decoded{Problems: append(probs, Newf(name, pr.Line, 1, "checking of this file stopped here: fix the problems above and check again"))}
		}
		damaged = damaged || !certain
		text = fixed
	}
	var pos Positions
	var skipped []int
	for _, doc := range astFile.Docs {
		if doc.Body == nil {
			continue
		}
		if len(astFile.Docs) > 1 {
			return fatal(append(probs, Newf(name, doc.GetToken().Position.Line, 1, "one document per file: remove the '---' separator"))...)
		}
		if d := depth(doc.Body); d > opts.MaxDepth {
			return fatal(append(probs, Newf(name, 1, 1, "nested too deeply: %d levels (at most %d)", d, opts.MaxDepth))...)
		}
		if _, ok := Unwrap(doc.Body).(*ast.MappingNode); !ok {
			tk := doc.Body.GetToken()
			return fatal(append(probs, Newf(name, tk.Position.Line, tk.Position.Column, "expected a mapping of sections (name: value) at the top of the file"))...)
		}
		for _, dup := range removeDuplicates(doc.Body) {
			probs = append(probs, Newf(name, dup.line, dup.col, "duplicate key %q: it is already written at line %d; keep one", dup.key, dup.first))
			skipped = append(skipped, dup.line)
		}
		pos = Positions{}
		walkPositions(doc.Body, "", pos)
		seen := map[*token.Token]bool{}
		for {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
				rv.Elem().SetZero()
			}
			err := yaml.NodeToValue(doc.Body, v, yaml.Strict())
			if err == nil {
				break
			}
			pr := yamlProblem(name, err, opts.Schema)
			probs = append(probs, pr)
			skipped = append(skipped, pr.Line)
			tk := errorToken(err)
			if tk == nil || seen[tk] || len(seen) >= maxRecoveries || !removeNode(doc.Body, tk) {
				damaged = true
				break
			}
			seen[tk] = true
		}
	}
	if pos == nil {
		pos = Positions{}
	}
	return Decoded{Pos: pos, Problems: probs.Sort(), Damaged: damaged, Skipped: skipped}
}

// errorToken is the token a YAML or positioned error points at, or nil.
func errorToken(err error) *token.Token {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return ye.GetToken()
	}
	return nil
}

type duplicate struct {
	key              string
	line, col, first int
}

// removeDuplicates drops the second and later occurrences of a key in every
// mapping, returning where they were.
func removeDuplicates(n ast.Node) []duplicate {
	var out []duplicate
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch v := Unwrap(n).(type) {
		case *ast.MappingNode:
			first := map[string]int{}
			kept := v.Values[:0]
			for _, kv := range v.Values {
				key := kv.Key.String()
				tk := kv.Key.GetToken()
				if line, ok := first[key]; ok {
					out = append(out, duplicate{key: key, line: tk.Position.Line, col: tk.Position.Column, first: line})
					continue
				}
				first[key] = tk.Position.Line
				kept = append(kept, kv)
				walk(kv.Value)
			}
			v.Values = kept
		case *ast.MappingValueNode:
			walk(v.Value)
		case *ast.SequenceNode:
			for _, item := range v.Values {
				walk(item)
			}
		}
	}
	walk(n)
	return out
}

// removeNode drops the field or list item that holds the token (the
// innermost one), so decoding can go on without it.
func removeNode(n ast.Node, tk *token.Token) bool {
	same := func(t *token.Token) bool {
		return t == tk || (t != nil && t.Position.Line == tk.Position.Line && t.Position.Column == tk.Position.Column)
	}
	switch v := Unwrap(n).(type) {
	case *ast.MappingNode:
		for i, kv := range v.Values {
			if removeNode(kv.Value, tk) {
				return true
			}
			if same(kv.Key.GetToken()) || (kv.Value != nil && same(kv.Value.GetToken())) {
				v.Values = append(v.Values[:i], v.Values[i+1:]...)
				return true
			}
		}
	case *ast.MappingValueNode:
		return removeNode(v.Value, tk)
	case *ast.SequenceNode:
		for i, item := range v.Values {
			if removeNode(item, tk) {
				return true
			}
			if same(item.GetToken()) {
				v.Values = append(v.Values[:i], v.Values[i+1:]...)
				if len(v.ValueHeadComments) > i {
					v.ValueHeadComments = append(v.ValueHeadComments[:i], v.ValueHeadComments[i+1:]...)
				}
				return true
			}
		}
	}
	return false
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
			return Problems{Newf(name, line, 1, "nested too deeply (at most %d levels)", maxDepth)}
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
// parsing, so an alias bomb never expands. It reports every such token.
func checkTokens(name, data string, maxDepth int) Problems {
	flow := 0
	var out Problems
	for _, tk := range lexer.Tokenize(data) {
		switch tk.Type {
		case token.AnchorType, token.AliasType, token.MergeKeyType:
			out = append(out, Newf(name, tk.Position.Line, tk.Position.Column, "anchors and aliases (&name, *name, <<) are not allowed: write the text out"))
		case token.TagType:
			out = append(out, Newf(name, tk.Position.Line, tk.Position.Column, "tags (!name) are not allowed: put texts that start with ! in quotes"))
		case token.SequenceStartType, token.MappingStartType:
			flow++
			if flow > maxDepth {
				return append(out, Newf(name, tk.Position.Line, tk.Position.Column, "nested too deeply (at most %d levels)", maxDepth))
			}
		case token.SequenceEndType, token.MappingEndType:
			flow--
		}
	}
	return out
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
func yamlProblem(name string, err error, schema string) Problem {
	var pe *PositionedError
	if errors.As(err, &pe) && pe.Tok != nil {
		return Newf(name, pe.Tok.Position.Line, pe.Tok.Position.Column, pe.Format, pe.Args...)
	}
	line, col := 1, 1
	msg := err.Error()
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tk := ye.GetToken()
		line, col, msg = tk.Position.Line, tk.Position.Column, ye.GetMessage()
	}
	format, args := plainYAMLMessage(msg, schema)
	return Newf(name, line, col, format, args...)
}

// plainYAMLMessage rewrites the YAML library's messages for organizers, as
// a format of the orgtext table and its arguments.
func plainYAMLMessage(msg, schema string) (string, []any) {
	if i := strings.Index(msg, "cannot unmarshal "); i >= 0 {
		rest := msg[i+len("cannot unmarshal "):]
		got, _, _ := strings.Cut(rest, " into ")
		got = goTypeWord(got)
		want := goTypeWord("")
		if j := strings.LastIndex(rest, " of type "); j >= 0 {
			want = goTypeWord(rest[j+len(" of type "):])
		}
		return typeMessage(want, got)
	}
	if got, want, ok := strings.Cut(msg, " was used where "); ok {
		want = strings.TrimSuffix(want, " is expected")
		return typeMessage(yamlKind(want), yamlKind(got))
	}
	if rest, ok := strings.CutPrefix(msg, "unknown field "); ok {
		field := strings.Trim(rest, `"`)
		if schema == "" {
			return "unknown field %q (check the spelling)", []any{field}
		}
		return "unknown field %q (check the spelling; see %s)", []any{field, schema}
	}
	if strings.Contains(msg, "already defined") || strings.HasPrefix(msg, "duplicate key") {
		return "duplicate key: %s", []any{msg}
	}
	return "%s", []any{msg}
}

// typeMessage explains a wrong type; a mapping where a text belongs is
// nearly always a text with an unquoted colon.
func typeMessage(want, got string) (string, []any) {
	if want == "a string" && got == "a mapping" {
		return "wrong type: expected a text, found a mapping: a text with a colon (\"Uwaga: ...\") must be in quotes", nil
	}
	return "wrong type: expected %s, found %s", []any{orgtext.Word(want), orgtext.Word(got)}
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
	case t == "":
		return "another type"
	}
	return t
}

// PositionedError is a problem a custom unmarshaler finds at a YAML node;
// DecodeAll turns it into a path:line:col problem in the organizer's
// language and drops the node.
type PositionedError struct {
	Tok    *token.Token
	Format string // a message of the orgtext table
	Args   []any
}

// NodeError reports a problem at node n with a message of the orgtext table.
func NodeError(n ast.Node, format string, args ...any) error {
	return &PositionedError{Tok: n.GetToken(), Format: format, Args: args}
}

func (e *PositionedError) Error() string {
	return Newf("", e.Tok.Position.Line, e.Tok.Position.Column, e.Format, e.Args...).Message
}

// GetToken, GetMessage and FormatError let the YAML decoder treat it as one
// of its own errors.
func (e *PositionedError) GetToken() *token.Token        { return e.Tok }
func (e *PositionedError) GetMessage() string            { return e.Error() }
func (e *PositionedError) FormatError(bool, bool) string { return e.Error() }
