// Package schematest checks organizers' YAML files against the JSON
// Schemas their editors use (dialogs/schema.json, dialogs/tests/schema.json,
// catalog/schema.json), and those schemas against the Go types the loaders
// decode into, so that an editor's squiggles and `okienko ... check` agree.
// It is a test helper: the loaders themselves stay strict on their own.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile compiles the JSON Schema in the file path.
func Compile(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatalf("schema %s: %v", path, err)
	}
	return sch
}

// ValidateYAML reports, as test errors, where the YAML file path breaks sch.
func ValidateYAML(t testing.TB, sch *jsonschema.Schema, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not follow its schema:\n%v", path, err)
	}
}

// CheckFields walks the schema in the file path from the JSON pointer at
// ("" for the root) beside the Go type typ the loader decodes that part
// into, and reports every object whose property names differ from the
// type's yaml field names, either way: a field the loader reads that the
// schema rejects, or one the schema offers that the loader ignores (or
// rejects as unknown). Maps follow additionalProperties (and fixed
// properties), slices follow items, and oneOf/anyOf alternatives are
// followed where their JSON type fits the Go kind (a Text is a string or a
// map of languages).
func CheckFields(t testing.TB, path, at string, typ reflect.Type) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	w := walker{t: t, root: root, file: path, seen: map[string]bool{}}
	s, ok := w.pointer(at)
	if !ok {
		t.Fatalf("%s: no %s", path, at)
	}
	w.walk(s, "#"+at, typ)
}

type walker struct {
	t    testing.TB
	root map[string]any
	file string
	seen map[string]bool // schema location + Go type, against cycles
}

// pointer resolves a JSON pointer within the schema's own document.
func (w *walker) pointer(p string) (map[string]any, bool) {
	var cur any = w.root
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if part == "" {
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur = m[part]
	}
	m, ok := cur.(map[string]any)
	return m, ok
}

// resolve follows $ref.
func (w *walker) resolve(s map[string]any, at string) (map[string]any, string) {
	for range 16 {
		ref, ok := s["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			return s, at
		}
		next, ok := w.pointer(strings.TrimPrefix(ref, "#"))
		if !ok {
			w.t.Errorf("%s %s: $ref %s leads nowhere", w.file, at, ref)
			return s, at
		}
		s, at = next, ref
	}
	return s, at
}

func (w *walker) walk(s map[string]any, at string, typ reflect.Type) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	s, at = w.resolve(s, at)
	key := at + " " + typ.String()
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	alts := append(list(s["oneOf"]), list(s["anyOf"])...)
	if len(alts) > 0 {
		fits := false
		for i, a := range alts {
			if a, aAt := w.resolve(a, fmt.Sprintf("%s/oneOf/%d", at, i)); fitsKind(a, typ) {
				fits = true
				w.walk(a, aAt, typ)
			}
		}
		if !fits {
			w.t.Errorf("%s %s: no alternative of the schema fits the loader's %s", w.file, at, typ)
		}
		if s["properties"] == nil && s["items"] == nil && s["additionalProperties"] == nil {
			return
		}
	}
	switch typ.Kind() {
	case reflect.Struct:
		if typ.PkgPath() == "time" {
			return
		}
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			w.t.Errorf("%s %s: the loader reads an object (%s), the schema lists no properties", w.file, at, typ)
			return
		}
		fields := yamlFields(typ)
		for _, name := range sortedKeys(fields) {
			p, ok := props[name].(map[string]any)
			if !ok {
				w.t.Errorf("%s %s: the loader reads %q (%s.%s), which the schema does not allow", w.file, at, name, typ, fields[name].Name)
				continue
			}
			w.walk(p, at+"/properties/"+name, fields[name].Type)
		}
		for _, name := range sortedKeys(props) {
			if _, ok := fields[name]; !ok {
				w.t.Errorf("%s %s: the schema allows %q, which the loader (%s) does not read", w.file, at, name, typ)
			}
		}
	case reflect.Map:
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			w.walk(ap, at+"/additionalProperties", typ.Elem())
		}
		if pp, ok := s["patternProperties"].(map[string]any); ok {
			for _, k := range sortedKeys(pp) {
				if p, ok := pp[k].(map[string]any); ok {
					w.walk(p, at+"/patternProperties/"+k, typ.Elem())
				}
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for _, k := range sortedKeys(props) {
				if p, ok := props[k].(map[string]any); ok {
					w.walk(p, at+"/properties/"+k, typ.Elem())
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if items, ok := s["items"].(map[string]any); ok {
			w.walk(items, at+"/items", typ.Elem())
		}
	}
}

// fitsKind reports whether a schema alternative's JSON type can hold the
// Go kind.
func fitsKind(s map[string]any, typ reflect.Type) bool {
	var types []string
	switch v := s["type"].(type) {
	case string:
		types = []string{v}
	case []any:
		for _, x := range v {
			if str, ok := x.(string); ok {
				types = append(types, str)
			}
		}
	}
	if len(types) == 0 {
		switch {
		case s["properties"] != nil || s["additionalProperties"] != nil:
			types = []string{"object"}
		case s["items"] != nil:
			types = []string{"array"}
		default:
			return true
		}
	}
	var want string
	switch typ.Kind() {
	case reflect.Struct, reflect.Map:
		want = "object"
	case reflect.Slice, reflect.Array:
		want = "array"
	case reflect.String:
		want = "string"
	case reflect.Bool:
		want = "boolean"
	default:
		return slices.Contains(types, "integer") || slices.Contains(types, "number")
	}
	return slices.Contains(types, want)
}

// yamlFields are the fields of a struct by their yaml names.
func yamlFields(typ reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

func list(v any) []map[string]any {
	items, _ := v.([]any)
	var out []map[string]any
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
