// Package yamlprune drops the empty values a partially filled Go struct
// leaves in its YAML encoding, so generated documents say only what is meant.
package yamlprune

import "go.yaml.in/yaml/v4"

// Options choose what counts as empty besides null, "" and empty
// mappings and lists.
type Options struct {
	// DropFalse also drops false booleans. Leave it off where false is
	// meant (a Talos patch's `enabled: false`).
	DropFalse bool
}

// Prune removes, recursively, mapping entries whose value is empty, and
// reports whether n itself ended up empty.
func Prune(n *yaml.Node, opts Options) bool {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			Prune(c, opts)
		}
		return false
	case yaml.MappingNode:
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !Prune(n.Content[i+1], opts) {
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
		}
		n.Content = kept
		return len(kept) == 0
	case yaml.SequenceNode:
		for _, c := range n.Content {
			Prune(c, opts)
		}
		return len(n.Content) == 0
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return true
		case "!!str":
			return n.Value == ""
		case "!!bool":
			return opts.DropFalse && n.Value == "false"
		}
	}
	return false
}
