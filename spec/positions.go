package spec

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// positions maps YAML paths of the parsed document to source lines, so
// semantic errors found after decoding can still name file:line.
type positions struct{ root *yaml.Node }

// line returns the line of the value at path (map keys as strings, list
// indices as ints), or of its nearest ancestor present in the file.
func (p *positions) line(path ...any) int {
	if p == nil || p.root == nil {
		return 0
	}
	n := p.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	best := n.Line
	for _, el := range path {
		var next *yaml.Node
		switch k := el.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						best = n.Content[i].Line
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
				best = next.Line
			}
		}
		if next == nil {
			return best
		}
		n = next
		if n.Kind == yaml.ScalarNode || n.Kind == yaml.SequenceNode && n.Style&yaml.FlowStyle != 0 {
			best = n.Line
		}
	}
	return best
}

// fieldName renders a path as users write it: nodes[1].address.
func fieldName(path ...any) string {
	var b strings.Builder
	for _, el := range path {
		switch k := el.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}
