package input

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/internal/userfile"
)

// hasRef is the byte search that spares the regular expressions below a
// pass over the many files that hold no ${VAR} at all.
func hasRef(data []byte) bool { return bytes.Contains(data, []byte("${")) }

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Substitute replaces ${VAR} with env's value where env has it, as
// talhelper's envsubst does; unknown variables stay verbatim (never
// guessed). It does not touch `$$`, which is talhelper's escape.
func Substitute(data []byte, env map[string]string) []byte {
	if len(env) == 0 || !hasRef(data) {
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

// TemplatedEnvKeys lists the environment keys whose value the input takes
// from a ${VAR} placeholder: filled in by --env, the value is not written
// in the file itself (TS040 does not apply).
func TemplatedEnvKeys(data []byte) []string {
	if !hasRef(data) {
		return nil
	}
	var out []string
	for _, m := range envEntryRef.FindAllSubmatch(data, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// Unresolved lists the ${VAR} references left in data, each with the
// line of its first use, sorted by line.
func Unresolved(data []byte) []string {
	if !hasRef(data) {
		return nil
	}
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
