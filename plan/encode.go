package plan

import (
	"bytes"
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"go.yaml.in/yaml/v4"

	"github.com/tailos/tailos/internal/yamlprune"
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
		yamlprune.Prune(&n, yamlprune.Options{}) // false is meant: kubespan enabled: false
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

// Patch is the node's patch file content.
func (n Node) Patch(header string) ([]byte, error) { return EncodeDocuments(header, n.Documents) }
