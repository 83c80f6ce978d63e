package lint

import (
	"bytes"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/rules"
)

// BuildFix turns the edits of fixable findings into one strategic-merge
// patch for the node described by m. It returns nil when nothing is
// fixable. Strategic merge appends to lists, so rewriting the tailscale
// environment deletes the list first and writes it whole.
func BuildFix(m *rules.Config, findings []rules.Finding) ([]byte, error) {
	var env []rules.Edit
	fields := map[rules.DocRef][]rules.Edit{}
	var order []rules.DocRef
	for _, f := range findings {
		for _, e := range f.Edits {
			if e.EnvKey != "" {
				env = append(env, e)
				continue
			}
			if _, ok := fields[e.Doc]; !ok {
				order = append(order, e.Doc)
			}
			fields[e.Doc] = append(fields[e.Doc], e)
		}
	}
	if len(env) == 0 && len(order) == 0 {
		return nil, nil
	}
	var docs []any
	if len(env) > 0 {
		var cur []rules.EnvVar
		if m.Tailscale != nil {
			cur = m.Tailscale.Env
		}
		next := applyEnv(cur, env)
		if len(cur) > 0 {
			docs = append(docs, docHeader(rules.DocTailscaleESC, map[string]any{"environment": map[string]any{"$patch": "delete"}}))
		}
		list := make([]string, 0, len(next))
		for _, e := range next {
			list = append(list, e.Key+"="+e.Value)
		}
		docs = append(docs, docHeader(rules.DocTailscaleESC, map[string]any{"environment": list}))
	}
	for _, ref := range order {
		del := map[string]any{}
		set := map[string]any{}
		for _, e := range fields[ref] {
			if e.Replace || e.Delete {
				setPath(del, e.Path, map[string]any{"$patch": "delete"})
			}
			if !e.Delete {
				mergePath(set, e.Path, e.Value)
			}
		}
		if len(del) > 0 {
			docs = append(docs, docHeader(ref, del))
		}
		if len(set) > 0 {
			docs = append(docs, docHeader(ref, set))
		}
	}
	var buf bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("encoding fix: %w", err)
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// applyEnv applies env edits with process-environment semantics: a set
// replaces every entry of the key (at the first one's position).
func applyEnv(cur []rules.EnvVar, edits []rules.Edit) []rules.EnvVar {
	out := slices.Clone(cur)
	for _, e := range edits {
		prev := lookupEnv(out, e.EnvKey)
		idx := -1
		var kept []rules.EnvVar
		for _, v := range out {
			if v.Key == e.EnvKey {
				if idx < 0 {
					idx = len(kept)
				}
				continue
			}
			kept = append(kept, v)
		}
		out = kept
		if e.EnvDelete {
			continue
		}
		value := e.EnvValue
		if len(e.DropFlags) > 0 || e.Dedupe || e.AddArgs != "" {
			value = editArgs(prev, e)
			if value == "" {
				continue
			}
		}
		nv := rules.EnvVar{Key: e.EnvKey, Value: value}
		if idx < 0 {
			out = append(out, nv)
		} else {
			out = slices.Insert(out, idx, nv)
		}
	}
	return out
}

func lookupEnv(env []rules.EnvVar, key string) string {
	for _, v := range env {
		if v.Key == key {
			return v.Value
		}
	}
	return ""
}

// editArgs applies flag edits to an argument string.
func editArgs(value string, e rules.Edit) string {
	fs := rules.ParseFlags(value)
	if e.Dedupe {
		fs = fs.Dedupe()
	}
	out := fs.Without(e.DropFlags...)
	if e.AddArgs != "" {
		if out != "" {
			out += " "
		}
		out += e.AddArgs
	}
	return out
}

func docHeader(ref rules.DocRef, body map[string]any) yaml.Node {
	var n yaml.Node
	n.Kind = yaml.MappingNode
	add := func(k string, v any) {
		var kn, vn yaml.Node
		kn.SetString(k)
		_ = vn.Encode(v)
		n.Content = append(n.Content, &kn, &vn)
	}
	if !ref.IsV1Alpha1() {
		add("apiVersion", "v1alpha1")
		add("kind", ref.Kind)
		if ref.Name != "" {
			add("name", ref.Name)
		}
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(k, body[k])
	}
	return n
}

func setPath(m map[string]any, path []string, v any) {
	parentOf(m, path)[path[len(path)-1]] = v
}

// parentOf returns the map that holds path's last key, creating the maps
// on the way.
func parentOf(m map[string]any, path []string) map[string]any {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

// mergePath sets a value, appending when two edits add to the same list.
func mergePath(m map[string]any, path []string, v any) {
	m = parentOf(m, path)
	last := path[len(path)-1]
	if old, ok := m[last].([]string); ok {
		if add, ok := v.([]string); ok {
			for _, a := range add {
				if !slices.Contains(old, a) {
					old = append(old, a)
				}
			}
			m[last] = old
			return
		}
	}
	m[last] = v
}
