package script

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestSchemaMatchesFormat keeps dialogs/schema.json, which organizers'
// editors use for completion and warnings, in step with the loader: every
// field the loader accepts is in the schema and the schema names no other.
func TestSchemaMatchesFormat(t *testing.T) {
	data, err := os.ReadFile("../../dialogs/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	props := func(path ...string) []string {
		var node any = schema
		for _, p := range path {
			m, ok := node.(map[string]any)
			if !ok {
				t.Fatalf("schema has no %v", path)
			}
			node = m[p]
		}
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("schema has no object at %v", path)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	tests := []struct {
		name string
		path []string
		typ  any
	}{
		{"top level", []string{"properties"}, file{}},
		{"centre", []string{"properties", "centre", "properties"}, Centre{}},
		{"office hours", []string{"properties", "office_hours", "properties"}, OfficeHours{}},
		{"trigger", []string{"properties", "triggers", "items", "properties"}, Trigger{}},
		{"crisis", []string{"properties", "crisis", "properties"}, Crisis{}},
		{"step", []string{"properties", "steps", "additionalProperties", "properties"}, Step{}},
		{"search", []string{"properties", "steps", "additionalProperties", "properties", "search", "properties"}, Search{}},
		{"handoff", []string{"properties", "steps", "additionalProperties", "properties", "handoff", "properties"}, Handoff{}},
		{"menu entry", []string{"properties", "menu", "items", "properties"}, MenuEntry{}},
		{"menu choice", []string{"properties", "menu", "items", "properties", "choice", "properties"}, Choice{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := props(tt.path...)
			want := yamlFields(tt.typ)
			if !slices.Equal(got, want) {
				t.Errorf("schema fields %v\nloader fields %v", got, want)
			}
		})
	}
	var msgs []string
	for k := range DefaultMessages {
		msgs = append(msgs, k)
	}
	sort.Strings(msgs)
	if got := props("properties", "messages", "properties"); !slices.Equal(got, msgs) {
		t.Errorf("schema messages %v\nengine messages %v", got, msgs)
	}
}

func yamlFields(v any) []string {
	var out []string
	rt := reflect.TypeOf(v)
	for i := 0; i < rt.NumField(); i++ {
		tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	sort.Strings(out)
	return out
}
