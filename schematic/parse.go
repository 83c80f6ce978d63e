package schematic

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/imager/imageropts"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/yamlerr"
)

// Parse decodes a schematic written in YAML or JSON (any indentation, block
// or flow style) exactly as the factory does: strictly, so unknown fields
// are errors, as the factory answers them with 400. It then checks what the
// factory would only discover when building an image (extension names,
// secure boot enrollment mode). Errors are of type Errors and carry lines.
func Parse(data []byte) (*Schematic, error) {
	s, doc, err := decode(data)
	if err != nil {
		return nil, err
	}
	if errs := s.check(doc); len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

// decode is the factory's own decoding, without tailos's extra checks; it
// also returns the document node to locate later findings.
func decode(data []byte) (*Schematic, *yaml.Node, error) {
	root, err := parseNode(data)
	if err != nil {
		return nil, nil, err
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil, Errors{{Line: 1, Msg: "empty input; the empty schematic is written {}"}}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, nil, Errors{{Line: doc.Line, Msg: fmt.Sprintf("a schematic is a mapping, got %s", kindName(doc))}}
	}

	// Decode with the factory's decoder settings so that what is accepted and
	// how values normalise (0xa == 10, bootloader none == omitted) match.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Schematic
	if err := dec.Decode(&s); err != nil {
		return nil, nil, convertYAMLError(err, doc)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, Errors{{Line: extra.Line, Msg: "more than one YAML document; a schematic is one document"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, convertYAMLError(err, doc)
	}
	return &s, doc, nil
}

// Validate checks a schematic built in code the way Parse checks a file.
func (s *Schematic) Validate() error {
	if errs := s.check(nil); len(errs) > 0 {
		return errs
	}
	return nil
}

// EnrollKeysModes are the secure boot key enrollment modes the factory knows.
var EnrollKeysModes = []string{"off", "manual", "if-safe", "force"}

// check validates decoded values; doc (may be nil) locates them in the source.
func (s *Schematic) check(doc *yaml.Node) Errors {
	var errs Errors
	add := func(path []any, format string, args ...any) {
		e := &FieldError{Field: pathString(path), Msg: fmt.Sprintf(format, args...)}
		if n := lookup(doc, path); n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
		errs = append(errs, e)
	}
	c := &s.Customization
	for i, ext := range c.SystemExtensions.OfficialExtensions {
		if err := imagefactory.ValidateExtensionName(ext); err != nil {
			add([]any{"customization", "systemExtensions", "officialExtensions", i}, "%v", err)
		}
	}
	for i, arg := range c.ExtraKernelArgs {
		if strings.TrimSpace(arg) == "" || strings.ContainsAny(arg, " \t\n") {
			add([]any{"customization", "extraKernelArgs", i}, "kernel argument %q must be one non-empty word; list each argument separately", arg)
		}
	}
	if m := c.SecureBoot.EnrollKeys; m != "" && !contains(EnrollKeysModes, m) {
		add([]any{"customization", "secureboot", "enrollKeys"}, "unknown mode %q; one of %s", m, strings.Join(EnrollKeysModes, ", "))
	}
	if (s.Overlay.Image == "") != (s.Overlay.Name == "") {
		add([]any{"overlay"}, "an overlay needs both image and name")
	}
	return errs
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// lookup finds the value node at path (string keys, int indexes) under doc.
func lookup(doc *yaml.Node, path []any) *yaml.Node {
	n := doc
	for _, p := range path {
		if n == nil {
			return nil
		}
		switch p := p.(type) {
		case string:
			var next *yaml.Node
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == p {
						next = n.Content[i+1]
					}
				}
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || p >= len(n.Content) {
				return nil
			}
			n = n.Content[p]
		}
	}
	return n
}

// pathAt returns the dotted path of the node at line under n: the scalar
// whose text is value when given (a bad value); else, with container, the
// list or mapping that starts there (a value of the wrong kind); else the
// first key there.
func pathAt(n *yaml.Node, line int, value string, container ...bool) string {
	if n == nil || line <= 0 {
		return ""
	}
	wantContainer := len(container) > 0 && container[0]
	var keyPath, valuePath []any
	found := false
	var walk func(n *yaml.Node, path []any)
	walk = func(n *yaml.Node, path []any) {
		if n.Line == line && n.Kind == yaml.ScalarNode && value != "" && n.Value == value && valuePath == nil {
			valuePath, found = path, true
		}
		if wantContainer && n.Line == line && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && valuePath == nil && len(path) > 0 {
			valuePath, found = path, true
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := append(append([]any{}, path...), k.Value)
				if k.Line == line && keyPath == nil {
					keyPath, found = p, true
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, append(append([]any{}, path...), i))
			}
		}
	}
	walk(n, nil)
	switch {
	case !found:
		return ""
	case valuePath != nil:
		return pathString(valuePath)
	default:
		return pathString(keyPath)
	}
}

func pathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		}
	}
	return b.String()
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	default:
		return "something else"
	}
}

var (
	unknownField = regexp.MustCompile(`^field (\S+) not found in type schematic\.(\w+)$`)
	cannotDecode = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `([^`]*)`)? into (.+)$")
)

// typePaths names where each Go type lives in a schematic, for messages.
var typePaths = map[string]string{
	"Customization":           "customization",
	"Overlay":                 "overlay",
	"MetaValue":               "a customization.meta item",
	"SystemExtensions":        "customization.systemExtensions",
	"SecureBootCustomization": "customization.secureboot",
	"DiskImageCustomization":  "customization.diskImage",
}

// convertYAMLError turns decoder errors into located FieldErrors with
// messages that name the field and the accepted values.
func convertYAMLError(err error, doc *yaml.Node) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		out := make(Errors, 0, len(te.Errors))
		for _, msg := range te.Errors {
			out = append(out, convertMessage(msg, doc))
		}
		return out
	}
	return Errors{convertMessage(err.Error(), doc)}
}

func convertMessage(msg string, doc *yaml.Node) *FieldError {
	fe := &FieldError{}
	fe.Line, fe.Msg = yamlerr.SplitLine(msg)
	if m := unknownField.FindStringSubmatch(fe.Msg); m != nil {
		where, ok := typePaths[m[2]]
		if !ok {
			where = "the top level (owner, overlay, customization)"
		}
		fe.Field = pathAt(doc, fe.Line, "")
		if fe.Field == "" {
			fe.Field = m[1]
		}
		fe.Msg = fmt.Sprintf("unknown field %q in %s; the factory rejects unknown fields (HTTP 400)", m[1], where)
		return fe
	}
	if m := cannotDecode.FindStringSubmatch(fe.Msg); m != nil {
		fe.Field = pathAt(doc, fe.Line, m[2])
		switch {
		case m[2] == "" && (m[1] == "!!seq" || m[1] == "!!map"):
			fe.Field = pathAt(doc, fe.Line, "", true)
			got := map[string]string{"!!seq": "a list", "!!map": "a mapping"}[m[1]]
			want := "a mapping"
			if strings.HasPrefix(m[3], "[]") {
				want = "a list"
			}
			fe.Msg = fmt.Sprintf("want %s, got %s", want, got)
		case m[3] == "uint8":
			fe.Msg = fmt.Sprintf("%s is out of range: META keys are 0-255 (uint8)", m[2])
		case m[3] == "uint":
			fe.Msg = fmt.Sprintf("%q is not a valid sector size: want a positive integer such as 512 or 4096", m[2])
		case strings.HasPrefix(m[3], "[]"):
			fe.Msg = fmt.Sprintf("want a list, got %q", m[2])
		default:
			fe.Msg = fmt.Sprintf("cannot use %q here (want %s)", m[2], goTypeName(m[3]))
		}
		return fe
	}
	if strings.Contains(fe.Msg, "does not belong to BootloaderKind values") {
		fe.Field = "customization.bootloader"
		if n := lookup(doc, []any{"customization", "bootloader"}); n != nil {
			fe.Line = n.Line
		}
		fe.Msg = fmt.Sprintf("unknown bootloader; one of %s", strings.Join(imageropts.BootloaderKindStrings(), ", "))
	}
	return fe
}

func goTypeName(t string) string {
	switch {
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "schematic."):
		return "a mapping"
	default:
		return t
	}
}
