package lint

import (
	"bytes"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/rules"
)

// Index maps rule locations to lines of a YAML source. Documents are
// found by a textual scan and parsed only when a location needs them: a
// whole machine config is mostly certificates and keys no rule points at.
type Index struct {
	chunks []*chunk
}

// chunk is one YAML document of the source.
type chunk struct {
	text   []byte
	offset int // lines before the document
	kind   string
	name   string
	legacy bool // a v1alpha1 document (version/machine/cluster at the top)

	parsed bool
	root   *yaml.Node // mapping root, nil when unparsable
}

// NewIndex splits src into documents; it parses nothing yet.
func NewIndex(src []byte) *Index {
	idx := &Index{}
	cur := &chunk{}
	start, line := 0, 0
	flush := func(end int) {
		cur.text = src[start:end]
		idx.chunks = append(idx.chunks, cur)
	}
	for pos := 0; pos < len(src); {
		nl := bytes.IndexByte(src[pos:], '\n')
		end := len(src)
		if nl >= 0 {
			end = pos + nl + 1
		}
		l := src[pos:end]
		trimmed := bytes.TrimRight(l, "\r\n")
		switch {
		case bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(trimmed, []byte("--- ")):
			flush(pos)
			cur = &chunk{offset: line + 1}
			start = end
		case len(trimmed) > 0 && trimmed[0] != ' ' && trimmed[0] != '#' && trimmed[0] != '-':
			k, v, _ := strings.Cut(string(trimmed), ":")
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			switch k {
			case "kind":
				cur.kind = v
			case "name":
				cur.name = v
			case "version", "machine", "cluster":
				cur.legacy = true
			}
		}
		line++
		pos = end
	}
	flush(len(src))
	return idx
}

// doc parses a chunk on first use, shifting its lines to the source's.
func (c *chunk) doc() *yaml.Node {
	if c.parsed {
		return c.root
	}
	c.parsed = true
	var n yaml.Node
	if err := yaml.Unmarshal(c.text, &n); err != nil {
		return nil
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	shift(n.Content[0], c.offset)
	c.root = n.Content[0]
	return c.root
}

func shift(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shift(c, by)
	}
}

// holds reports whether the chunk is the document ref names.
func (c *chunk) holds(ref rules.DocRef) bool {
	if c.kind == "" && !c.legacy {
		// Unusual layout (flow style, indented keys): ask the parser.
		d := c.doc()
		return d != nil && matches(d, ref)
	}
	if ref.IsV1Alpha1() {
		return c.kind == "" && c.legacy
	}
	return c.kind == ref.Kind && (ref.Name == "" || c.name == ref.Name)
}

// Line returns the 1-based line of loc, or of its nearest located
// ancestor, or 0.
func (x *Index) Line(loc rules.Loc) int {
	if loc.EnvKey != "" {
		if l := x.envLine(loc.EnvKey); l > 0 {
			return l
		}
		return x.escLine()
	}
	// Prefer a document holding the whole path: a talhelper file bundles
	// several patches that all have a machine: key.
	partial := 0
	for _, c := range x.chunks {
		if !c.holds(loc.Doc) {
			continue
		}
		if !c.parsed {
			// A plain block mapping gives the line without a parse.
			if l, ok := blockPath(c.text, loc.Path); ok {
				return c.offset + l
			}
		}
		if d := c.doc(); d != nil {
			if l, full := walkFull(d, loc.Path); full {
				return l
			} else if partial == 0 {
				partial = l
			}
		}
	}
	if partial > 0 {
		return partial
	}
	// Not in a matching document: the path may sit nested elsewhere (a
	// talhelper node's inline patches).
	if len(loc.Path) > 1 {
		last := []byte(loc.Path[len(loc.Path)-1])
		for _, c := range x.chunks {
			if !bytes.Contains(c.text, last) {
				continue
			}
			if d := c.doc(); d != nil {
				if l := search(d, loc.Path); l > 0 {
					return l
				}
			}
		}
	}
	if loc.Doc == rules.DocTailscaleESC {
		return x.escLine()
	}
	return 0
}

func matches(doc *yaml.Node, ref rules.DocRef) bool {
	kind := value(doc, "kind")
	if ref.IsV1Alpha1() {
		return kind == "" && (value(doc, "version") != "" || child(doc, "machine") != nil || child(doc, "cluster") != nil)
	}
	return kind == ref.Kind && (ref.Name == "" || value(doc, "name") == ref.Name)
}

// walkFull follows path from n and returns the line of the deepest key
// found and whether the whole path was found.
func walkFull(n *yaml.Node, path []string) (int, bool) {
	line := n.Line
	for _, key := range path {
		switch n.Kind {
		case yaml.MappingNode:
			k, v := pair(n, key)
			if k == nil {
				return line, false
			}
			line, n = k.Line, v
		case yaml.SequenceNode:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line, false
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line, false
		}
	}
	return line, true
}

// search finds the full key path starting at any mapping under n.
func search(n *yaml.Node, path []string) int {
	if n.Kind == yaml.MappingNode {
		if k, v := pair(n, path[0]); k != nil {
			if len(path) == 1 {
				return k.Line
			}
			if l := searchFrom(v, path[1:]); l > 0 {
				return l
			}
		}
	}
	for _, c := range n.Content {
		if l := search(c, path); l > 0 {
			return l
		}
	}
	return 0
}

func searchFrom(n *yaml.Node, path []string) int {
	for _, key := range path {
		k, v := pair(n, key)
		if k == nil {
			return 0
		}
		if len(path) == 1 {
			return k.Line
		}
		n = v
		path = path[1:]
		if len(path) == 0 {
			return k.Line
		}
	}
	return 0
}

// envLine finds KEY=... in any "environment" sequence.
func (x *Index) envLine(key string) int {
	return x.firstLine(key, func(n *yaml.Node) int {
		if _, env := pair(n, "environment"); env != nil && env.Kind == yaml.SequenceNode {
			for _, item := range env.Content {
				if item.Kind == yaml.ScalarNode && (strings.HasPrefix(item.Value, key+"=") || item.Value == key) {
					return item.Line
				}
			}
		}
		return 0
	})
}

// escLine is the line of the tailscale ExtensionServiceConfig (or of a
// talhelper extensionServices entry named tailscale).
func (x *Index) escLine() int {
	return x.firstLine(tailscaleext.ServiceName, func(n *yaml.Node) int {
		if k, v := pair(n, "name"); k != nil && v.Value == tailscaleext.ServiceName && (value(n, "kind") == "ExtensionServiceConfig" || child(n, "environment") != nil) {
			return n.Line
		}
		return 0
	})
}

// firstLine walks, in document order, the mappings of the documents whose
// text contains token (only those are parsed) and returns the first
// non-zero line match gives, or 0.
func (x *Index) firstLine(token string, match func(mapping *yaml.Node) int) int {
	var found int
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if found > 0 {
			return
		}
		if n.Kind == yaml.MappingNode {
			if found = match(n); found > 0 {
				return
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	for _, c := range x.chunks {
		if found > 0 {
			break
		}
		if !bytes.Contains(c.text, []byte(token)) {
			continue
		}
		if d := c.doc(); d != nil {
			visit(d)
		}
	}
	return found
}
