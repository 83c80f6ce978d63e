package plan

import (
	"bytes"
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"gopkg.in/yaml.v3"
)

// EncodeDocuments writes documents as one multi-document YAML patch: the
// form `talosctl --config-patch @file` and talhelper patches take. Each
// document is encoded by machinery's encoder, then pruned of the empty
// values a partial document carries (machinery's v1alpha1 types have
// non-omitempty fields such as machine.type), so the patch only says what
// tailos means to set.
func EncodeDocuments(header string, docs []config.Document) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	for i, d := range docs {
		out, err := encoder.NewEncoder(d,
			encoder.WithComments(encoder.CommentsDisabled),
			encoder.WithOmitEmpty(true),
		).Encode()
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", d.Kind(), err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(out, &n); err != nil {
			return nil, fmt.Errorf("re-reading %s: %w", d.Kind(), err)
		}
		prune(&n)
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(4) // as talosctl writes configs
		if err := enc.Encode(&n); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", d.Kind(), err)
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// prune removes mapping entries whose value is null, an empty string, or
// an empty mapping or list (after pruning), and reports whether n is empty.
// false and 0 are kept: they are meant (e.g. kubespan enabled: false).
func prune(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			prune(c)
		}
		return false
	case yaml.MappingNode:
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !prune(n.Content[i+1]) {
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
		}
		n.Content = kept
		return len(kept) == 0
	case yaml.SequenceNode:
		return len(n.Content) == 0
	case yaml.ScalarNode:
		return n.Tag == "!!null" || (n.Tag == "!!str" && n.Value == "")
	}
	return false
}

// Patch is the node's patch file content.
func (n Node) Patch(header string) ([]byte, error) { return EncodeDocuments(header, n.Documents) }
