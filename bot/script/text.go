package script

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"okienko/bot/yamlfile"
)

// Text is something the bot says, by language code. In YAML it is either a
// plain string (Polish) or a mapping such as {pl: ..., uk: ..., en: ...}.
type Text map[string]string

// UnmarshalYAML accepts a plain string as Polish text.
func (t *Text) UnmarshalYAML(node ast.Node) error {
	switch n := yamlfile.Unwrap(node).(type) {
	case *ast.StringNode, *ast.LiteralNode:
		*t = Text{Polish: scalarString(n)}
		return nil
	case *ast.NullNode:
		*t = nil
		return nil
	case *ast.MappingNode:
		out := Text{}
		for _, kv := range n.Values {
			lang := kv.Key.String()
			if _, null := yamlfile.Unwrap(kv.Value).(*ast.NullNode); null {
				return nodeError(kv.Key, "the text for %q is missing; a text with a comma inside {...} must be in quotes", lang)
			}
			if !isScalar(yamlfile.Unwrap(kv.Value)) {
				return nodeError(kv.Value, "the text for %q must be a string", lang)
			}
			out[lang] = scalarString(yamlfile.Unwrap(kv.Value))
		}
		*t = out
		return nil
	default:
		return nodeError(node, "expected a text: a string, or languages with strings (pl: ..., uk: ..., en: ...)")
	}
}

// In returns the text in lang, falling back to Polish.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t[Polish]
}

// UnmarshalYAML accepts a step id or a list of branches.
func (n *Next) UnmarshalYAML(node ast.Node) error {
	switch v := yamlfile.Unwrap(node).(type) {
	case *ast.NullNode:
		*n = nil
		return nil
	case *ast.SequenceNode:
		var out Next
		for _, item := range v.Values {
			m, ok := yamlfile.Unwrap(item).(*ast.MappingNode)
			if !ok {
				return nodeError(item, "expected a branch: {when: {...}, goto: step}")
			}
			var b Branch
			for _, kv := range m.Values {
				switch kv.Key.String() {
				case "goto":
					if !isScalar(yamlfile.Unwrap(kv.Value)) {
						return nodeError(kv.Value, "goto must be a step id")
					}
					b.Goto = scalarString(yamlfile.Unwrap(kv.Value))
				case "when":
					cond, ok := yamlfile.Unwrap(kv.Value).(*ast.MappingNode)
					if !ok {
						return nodeError(kv.Value, "when must list conditions: {variable: value}")
					}
					b.When = map[string]string{}
					for _, c := range cond.Values {
						if !isScalar(yamlfile.Unwrap(c.Value)) {
							return nodeError(c.Value, "the condition on %q must be a value", c.Key.String())
						}
						b.When[c.Key.String()] = scalarString(yamlfile.Unwrap(c.Value))
					}
				default:
					return nodeError(kv.Key, "unknown field %q in a branch (use when and goto)", kv.Key.String())
				}
			}
			if b.Goto == "" {
				return nodeError(item, "a branch needs goto: the step to go to")
			}
			out = append(out, b)
		}
		*n = out
		return nil
	default:
		if !isScalar(v) {
			return nodeError(node, "next must be a step id or a list of branches")
		}
		*n = Next{{Goto: scalarString(v)}}
		return nil
	}
}

func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return true
	}
	return false
}

func scalarString(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		return v.Value.Value
	default:
		return n.GetToken().Value
	}
}

func nodeError(n ast.Node, format string, args ...any) error {
	return yamlfile.NodeError(n, format, args...)
}

// templateVar finds {{ name }} placeholders.
var templateVar = regexp.MustCompile(`\{\{\s*([^{}\s]*)\s*\}\}`)

// TemplateVars lists the variable names a template uses.
func TemplateVars(s string) []string {
	var out []string
	for _, m := range templateVar.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// Render replaces {{ name }} placeholders with values from lookup; unknown
// names become empty.
//
// It runs for most texts of every message, so it scans by hand instead of
// with templateVar (the same matches: a fuzz test holds it to the regexp).
func Render(s string, lookup func(name string) string) string {
	i := strings.Index(s, "{{")
	if i < 0 {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is written
	for i >= 0 {
		name, end, ok := placeholderAt(s, i)
		if !ok {
			// Not a placeholder here; one may start at the next byte
			// ("{{{x}}").
			next := strings.Index(s[i+1:], "{{")
			if next < 0 {
				break
			}
			i += 1 + next
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 32)
		}
		b.WriteString(s[done:i])
		b.WriteString(lookup(name))
		done = end
		next := strings.Index(s[end:], "{{")
		if next < 0 {
			break
		}
		i = end + next
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// placeholderAt reads a placeholder starting at s[i:] (which begins with
// "{{") as templateVar would: "{{", white space, a name without braces or
// white space, white space, "}}". end is just past it.
func placeholderAt(s string, i int) (name string, end int, ok bool) {
	j := skipTemplateSpace(s, i+2)
	start := j
	for j < len(s) && s[j] != '{' && s[j] != '}' && !isTemplateSpace(s[j]) {
		j++
	}
	name = s[start:j]
	j = skipTemplateSpace(s, j)
	if !strings.HasPrefix(s[j:], "}}") {
		return "", 0, false
	}
	return name, j + 2, true
}

// isTemplateSpace is \s of Go's regexp: tab, newline, form feed, carriage
// return and space.
func isTemplateSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

func skipTemplateSpace(s string, j int) int {
	for j < len(s) && isTemplateSpace(s[j]) {
		j++
	}
	return j
}

func itoa(i int) string { return strconv.Itoa(i) }
