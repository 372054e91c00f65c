package script

import (
	"path/filepath"
	"reflect"
	"testing"

	"okienko/bot/schematest"
)

// TestBundledDialogsFollowTheSchema validates the bundled dialog files and
// conversation tests against the schemas organizers' editors use.
func TestBundledDialogsFollowTheSchema(t *testing.T) {
	for _, set := range []struct{ schema, files string }{
		{"../../dialogs/schema.json", "../../dialogs/*.yaml"},
		{"../../dialogs/tests/schema.json", "../../dialogs/tests/*.yaml"},
	} {
		sch := schematest.Compile(t, set.schema)
		files, err := filepath.Glob(set.files)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files %s (%v)", set.files, err)
		}
		for _, f := range files {
			schematest.ValidateYAML(t, sch, f)
		}
	}
}

// TestSchemasAndLoaderAgreeOnFields holds the schemas' property names to
// the yaml names of the types Load and LoadTests decode into, both ways.
func TestSchemasAndLoaderAgreeOnFields(t *testing.T) {
	schematest.CheckFields(t, "../../dialogs/schema.json", "", reflect.TypeFor[file]())
	schematest.CheckFields(t, "../../dialogs/tests/schema.json", "", reflect.TypeFor[testsFile]())
}
