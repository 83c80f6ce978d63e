package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile("tailos.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("tailos.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("tailos.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// yamlToJSONValue decodes YAML into the generic form the validator takes.
func yamlToJSONValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemaAcceptsExamplesAndStarter(t *testing.T) {
	sch := compileSchema(t)
	files, _ := filepath.Glob("../examples/*.yaml")
	inputs := map[string][]byte{"starter.yaml": Starter()}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		inputs[f] = b
	}
	for name, data := range inputs {
		if err := sch.Validate(yamlToJSONValue(t, data)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSchemaRejectsUnknownKeys(t *testing.T) {
	sch := compileSchema(t)
	bad := strings.Replace(good, "  name: homelab", "  name: homelab\n  colour: blue", 1)
	if err := sch.Validate(yamlToJSONValue(t, []byte(bad))); err == nil {
		t.Fatal("schema accepted an unknown key")
	}
}

// Every field of the Go model is in the schema, and nothing else: the
// schema cannot drift from the parser.
func TestSchemaMatchesModel(t *testing.T) {
	raw, _ := os.ReadFile("tailos.schema.json")
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	compare(t, "", reflect.TypeOf(Spec{}), schema)
}

func compare(t *testing.T, path string, typ reflect.Type, node map[string]any) {
	props, _ := node["properties"].(map[string]any)
	fields := map[string]reflect.Type{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = f.Type
	}
	for name, ft := range fields {
		p, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("schema lacks %s%s", path, name)
			continue
		}
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			if items, ok := p["items"].(map[string]any); ok {
				p = items
			}
		}
		if ft.Kind() == reflect.Struct && ft.Name() != "MTU" {
			compare(t, path+name+".", ft, p)
		}
	}
	for name := range props {
		if _, ok := fields[name]; !ok {
			t.Errorf("schema has %s%s, the model does not", path, name)
		}
	}
}
