package lint

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/rules"
)

// checkKeys rejects mapping keys that are themselves mappings or sequences:
// YAML allows them, but no config consumer (Talos, talhelper) does, and
// they are what an unrendered template such as `{{ item.x }}` parses as.
func checkKeys(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.MappingNode || k.Kind == yaml.SequenceNode {
				what := "mapping"
				if k.Kind == yaml.SequenceNode {
					what = "sequence"
				}
				hint := ""
				if k.Style&yaml.FlowStyle != 0 {
					hint = " (an unrendered template expression such as {{ ... }}?)"
				}
				return fmt.Errorf("line %d column %d: a %s is used as a mapping key, which Talos and talhelper cannot read%s", k.Line, k.Column, what, hint)
			}
		}
	}
	for _, c := range n.Content {
		if err := checkKeys(c); err != nil {
			return err
		}
	}
	return nil
}

// invalidFields are v1alpha1 fields Talos does not have but configs in the
// wild use; the loader removes them (reporting TS004) so the rest is checked.
var invalidFields = [][]string{{"machine", "extensions"}}

// stripInvalid removes invalidFields from the v1alpha1 documents of data.
// It returns data unchanged when there is nothing to remove.
//
// docs are data's parsed documents (nil: parse here); they are edited.
func stripInvalid(data []byte, docs []*yaml.Node) ([]byte, []rules.InvalidField) {
	if docs == nil {
		var err error
		if docs, err = parseDocs(data); err != nil {
			return data, nil
		}
	}
	var found []rules.InvalidField
	for _, d := range docs {
		if value(d, "kind") != "" {
			continue
		}
		for _, path := range invalidFields {
			parent := d
			for _, k := range path[:len(path)-1] {
				parent = child(parent, k)
			}
			if parent == nil || parent.Kind != yaml.MappingNode {
				continue
			}
			last := path[len(path)-1]
			for i := 0; i+1 < len(parent.Content); i += 2 {
				if parent.Content[i].Value != last {
					continue
				}
				v, _ := yaml.Marshal(parent.Content[i+1])
				found = append(found, rules.InvalidField{
					At:    rules.Loc{Doc: rules.DocV1Alpha1, Path: append([]string(nil), path...)},
					Value: strings.TrimSpace(strings.ReplaceAll(string(v), "\n", " ")),
				})
				parent.Content = append(parent.Content[:i], parent.Content[i+2:]...)
				break
			}
		}
	}
	if len(found) == 0 {
		return data, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return data, nil
		}
	}
	_ = enc.Close()
	return b.Bytes(), found
}

// dropUnknownKinds removes documents whose kind this Talos machinery does
// not know (a newer Talos, a typo), so the rest can still be checked; it
// returns the removed kinds with their lines.
func dropUnknownKinds(data []byte) ([]byte, []string) {
	docs, err := parseDocs(data)
	if err != nil {
		return data, nil
	}
	var keep []*yaml.Node
	var dropped []string
	for _, d := range docs {
		kind := value(d, "kind")
		if kind == "" {
			keep = append(keep, d)
			continue
		}
		b, err := yaml.Marshal(d)
		if err == nil {
			_, err = configloader.NewFromBytes(b, configloader.WithAllowPatchDelete(), configloader.WithNoValidation())
		}
		if unregistered(err) {
			dropped = append(dropped, fmt.Sprintf("%s/%s (line %d)", value(d, "apiVersion"), kind, d.Line))
			continue
		}
		keep = append(keep, d)
	}
	if len(dropped) == 0 {
		return data, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	for _, d := range keep {
		if err := enc.Encode(d); err != nil {
			return data, nil
		}
	}
	_ = enc.Close()
	return b.Bytes(), dropped
}

// tailscaleDocs counts ExtensionServiceConfig documents named tailscale.
func tailscaleDocs(docs []*yaml.Node) int {
	n := 0
	for _, d := range docs {
		if value(d, "kind") == "ExtensionServiceConfig" && value(d, "name") == tailscaleext.ServiceName {
			n++
		}
	}
	return n
}

// Substitute replaces ${VAR} with env's value where env has it, as
// talhelper's envsubst does; unknown variables stay verbatim.
func Substitute(data []byte, env map[string]string) []byte { return input.Substitute(data, env) }

// Unresolved lists the ${VAR} references left in data, each with the line
// of its first use, sorted by line.
func Unresolved(data []byte) []string { return input.Unresolved(data) }

// ReadEnvFile reads variables for Substitute: a talenv-style YAML mapping
// or a dotenv file. Errors name the file and line.
func ReadEnvFile(path string) (map[string]string, error) { return input.ReadEnvFile(path) }

// The readers' YAML helpers, by their short names here.
func templatedEnvKeys(data []byte) []string           { return input.TemplatedEnvKeys(data) }
func parseDocs(data []byte) ([]*yaml.Node, error)     { return input.ParseDocs(data) }
func pair(m *yaml.Node, key string) (k, v *yaml.Node) { return input.Pair(m, key) }
func child(m *yaml.Node, key string) *yaml.Node       { return input.Child(m, key) }
func value(m *yaml.Node, key string) string           { return input.Value(m, key) }
