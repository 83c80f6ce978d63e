package input

import "gopkg.in/yaml.v3"

// ResolveAliases replaces every alias in the tree with a copy of the node
// it names, and drops the anchors. talhelper trees define a schematic or a
// patch once (`schematic: &s {…}`) and reuse it (`schematic: *s`); parts of
// the tree are later marshalled on their own, where an alias whose anchor
// lives elsewhere in the file would be "unknown". YAML forbids forward
// references and the decoder rejects cycles, so the walk ends.
func ResolveAliases(n *yaml.Node) {
	budget := maxResolvedNodes
	resolveIn(n, 0, &budget)
}

// maxResolvedNodes bounds the copies aliases make, so nested aliases
// ("billion laughs") cannot exhaust memory; beyond it aliases stay and
// the file fails as "unknown anchor" later.
const maxResolvedNodes = 1 << 20

func resolveIn(n *yaml.Node, depth int, budget *int) {
	if n == nil || depth > 1000 || *budget <= 0 {
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if size(n.Alias, *budget) >= *budget {
			*budget = 0
			return
		}
		target := *n.Alias
		line, col := n.Line, n.Column
		*n = deepCopy(&target, budget)
		n.Line, n.Column = line, col
	}
	n.Anchor = ""
	for _, c := range n.Content {
		resolveIn(c, depth+1, budget)
	}
}

// size counts the nodes under n, stopping at limit.
func size(n *yaml.Node, limit int) int {
	s := 1
	for _, c := range n.Content {
		if s >= limit {
			break
		}
		s += size(c, limit-s)
	}
	return s
}

func deepCopy(n *yaml.Node, budget *int) yaml.Node {
	*budget--
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp := deepCopy(c, budget)
		out.Content[i] = &cp
	}
	return out
}
