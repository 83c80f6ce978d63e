package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseDocs decodes every YAML document of data into its root node.
func ParseDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("YAML: %w", err)
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			docs = append(docs, n.Content[0])
		}
	}
}

// Pair returns the key and value nodes of key in mapping m (nil, nil when
// m is not a mapping or lacks the key).
func Pair(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// Child is the value node of key in mapping m, nil if none.
func Child(m *yaml.Node, key string) *yaml.Node {
	_, v := Pair(m, key)
	return v
}

// Value is the scalar value of key in mapping m, "" if none.
func Value(m *yaml.Node, key string) string {
	if v := Child(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// NodeAt is item i of sequence seq, nil if none.
func NodeAt(seq *yaml.Node, i int) *yaml.Node {
	if seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return nil
	}
	return seq.Content[i]
}

// Line is n's line, 0 for nil.
func Line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// InlineSource cuts an inline patch (a YAML node inside a project file)
// out of the file with its lines kept where they are: other lines are
// blanked and the node is dedented, so findings in it get the project
// file's line numbers.
func InlineSource(file string, data []byte, n *yaml.Node) Source {
	lines := strings.Split(string(data), "\n")
	first, last := n.Line, lastLine(n)
	// A block scalar's content ends where the next less-indented line
	// starts; take the following lines that are indented deeper.
	indent := n.Column - 1
	for last < len(lines) {
		next := lines[last]
		if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= indent && last+1 > first {
			break
		}
		last++
	}
	out := make([]string, len(lines))
	for i := first - 1; i < last && i < len(lines); i++ {
		l := lines[i]
		if i == first-1 {
			if indent < len(l) {
				l = l[indent:]
			}
		} else if len(l) >= indent && strings.TrimSpace(l[:indent]) == "" {
			l = l[indent:]
		}
		out[i] = l
	}
	if n.Kind == yaml.ScalarNode {
		// An inline string patch: its content starts on the next line.
		out[first-1] = ""
	}
	return Source{File: file, Data: []byte(strings.Join(out, "\n"))}
}

func lastLine(n *yaml.Node) int {
	m := n.Line
	for _, c := range n.Content {
		if l := lastLine(c); l > m {
			m = l
		}
	}
	return m
}
