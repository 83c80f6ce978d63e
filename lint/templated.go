package lint

import (
	"bytes"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/yamlerr"
	"github.com/tailos/tailos/rules"
)

// dropTemplated removes the fields whose value is an unresolved template
// reference (endpoint: https://${CLUSTER_ENDPOINT}:6443, mtu: ${mtu}) that
// machinery cannot decode, so the rest of a templated file is checked
// instead of rejected. Fields on the lines the error names go first; when
// the error names none, every templated scalar field does. It returns nil
// when there is nothing to drop.
func dropTemplated(data []byte, decodeErr error) ([]byte, []string) {
	if decodeErr == nil || len(Unresolved(data)) == 0 {
		return nil, nil
	}
	docs, err := parseDocs(data)
	if err != nil {
		return nil, nil
	}
	lines := map[int]bool{}
	for _, n := range yamlerr.Lines(decodeErr.Error()) {
		lines[n] = true
	}
	drop := func(all bool) []string {
		var dropped []string
		for _, d := range docs {
			dropped = append(dropped, dropIn(d, nil, lines, all)...)
		}
		return dropped
	}
	dropped := drop(false)
	if len(dropped) == 0 {
		dropped = drop(true)
	}
	if len(dropped) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, nil
		}
	}
	if err := enc.Close(); err != nil {
		return nil, nil
	}
	return b.Bytes(), dropped
}

func dropIn(n *yaml.Node, path []string, lines map[int]bool, all bool) []string {
	var out []string
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = append(append([]string(nil), path...), strconv.Itoa(i))
			}
			out = append(out, dropIn(c, p, lines, all)...)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); {
			k, v := n.Content[i], n.Content[i+1]
			p := append(append([]string(nil), path...), k.Value)
			if v.Kind == yaml.ScalarNode && rules.Unresolved(v.Value) && (all || lines[v.Line] || lines[k.Line]) {
				out = append(out, strings.Join(p, "."))
				n.Content = append(n.Content[:i], n.Content[i+2:]...)
				continue
			}
			out = append(out, dropIn(v, p, lines, all)...)
			i += 2
		}
	}
	return out
}
