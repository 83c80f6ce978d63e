package lint

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/internal/userfile"
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
		if err != nil && strings.Contains(err.Error(), "not registered") {
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

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Substitute replaces ${VAR} with env's value where env has it, as
// talhelper's envsubst does; unknown variables stay verbatim (never
// guessed). It does not touch `$$`, which is talhelper's escape.
func Substitute(data []byte, env map[string]string) []byte {
	if len(env) == 0 {
		return data
	}
	return varRef.ReplaceAllFunc(data, func(m []byte) []byte {
		if v, ok := env[string(m[2:len(m)-1])]; ok {
			return []byte(v)
		}
		return m
	})
}

// envEntryRef matches an environment list entry whose value uses ${VAR}.
var envEntryRef = regexp.MustCompile(`(?m)^\s*-\s*["']?([A-Za-z_][A-Za-z0-9_]*)=[^\n]*\$\{`)

// templatedEnvKeys lists the environment keys whose value the input takes
// from a ${VAR} placeholder: filled in by --env, the value is not written
// in the file itself (TS040 does not apply).
func templatedEnvKeys(data []byte) []string {
	var out []string
	for _, m := range envEntryRef.FindAllSubmatch(data, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// Unresolved lists the ${VAR} references left in data, each with the
// line of its first use, sorted by line.
func Unresolved(data []byte) []string {
	seen := map[string]bool{}
	type ref struct {
		name string
		line int
	}
	var refs []ref
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range varRef.FindAllStringSubmatch(line, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				refs = append(refs, ref{m[1], i + 1})
			}
		}
	}
	sort.SliceStable(refs, func(a, b int) bool { return refs[a].line < refs[b].line })
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = fmt.Sprintf("line %d: ${%s}", r.line, r.name)
	}
	return out
}

// ReadEnvFile reads variables for Substitute: a talenv-style YAML mapping
// (KEY: value) or a dotenv file (KEY=value, `export` and quotes allowed,
// # comments). Errors name the file and line.
func ReadEnvFile(path string) (map[string]string, error) {
	data, err := userfile.Read(path, userfile.ConfigLimit)
	if err != nil {
		return nil, err
	}
	if env, ok := yamlEnv(data); ok {
		return env, nil
	}
	env := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !varName.MatchString(k) {
			return nil, fmt.Errorf("%s:%d: want KEY=value or KEY: value", path, i+1)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	if len(env) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errors.New("no variables"))
	}
	return env, nil
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// yamlEnv reads a flat YAML mapping of scalars; ok is false for anything
// else (a dotenv file is not such a mapping).
func yamlEnv(data []byte) (map[string]string, bool) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	m := n.Content[0]
	env := map[string]string{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || !varName.MatchString(k.Value) {
			return nil, false
		}
		env[k.Value] = v.Value
	}
	return env, len(env) > 0
}
