package lint

import "gopkg.in/yaml.v3"

// resolveAliases replaces every alias in the tree with a copy of the node
// it names, and drops the anchors. talhelper trees define a schematic or a
// patch once (`schematic: &s {…}`) and reuse it (`schematic: *s`); parts of
// the tree are later marshalled on their own, where an alias whose anchor
// lives elsewhere in the file would be "unknown". YAML forbids forward
// references and the decoder rejects cycles, so the walk ends.
func resolveAliases(n *yaml.Node) {
	resolveIn(n, 0)
}

func resolveIn(n *yaml.Node, depth int) {
	if n == nil || depth > 1000 {
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		target := *n.Alias
		line, col := n.Line, n.Column
		*n = deepCopy(&target)
		n.Line, n.Column = line, col
	}
	n.Anchor = ""
	for _, c := range n.Content {
		resolveIn(c, depth+1)
	}
}

func deepCopy(n *yaml.Node) yaml.Node {
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp := deepCopy(c)
		out.Content[i] = &cp
	}
	return out
}
