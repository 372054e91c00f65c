package catalog

import (
	"reflect"
	"testing"

	"okienko/bot/schematest"
)

// TestBundledCatalogFollowsTheSchema validates the bundled sample
// catalogue against catalog/schema.json, the schema organizers' editors use.
func TestBundledCatalogFollowsTheSchema(t *testing.T) {
	schematest.ValidateYAML(t, schematest.Compile(t, "schema.json"), "data/sample.yaml")
}

// TestSchemaAndLoaderAgreeOnFields holds the schema's property names to the
// yaml names of the types Load decodes into, both ways.
func TestSchemaAndLoaderAgreeOnFields(t *testing.T) {
	schematest.CheckFields(t, "schema.json", "", reflect.TypeFor[Catalog]())
}
