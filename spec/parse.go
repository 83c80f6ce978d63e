package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/internal/userfile"
)

// Load reads, parses, defaults and validates the spec at path.
func Load(path string) (*Spec, error) {
	data, err := userfile.Read(path, userfile.SpecLimit)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a spec strictly, applies defaults and validates it. The
// returned error is an Errors listing every problem with file:line.
func Parse(file string, data []byte) (*Spec, error) {
	s, err := decode(file, data)
	if err != nil {
		return nil, err
	}
	if _, err := s.WithDefaults().Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func decode(file string, data []byte) (*Spec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{fromYAML(file, err.Error())}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, Errors{{File: file, Msg: "the spec is empty"}}
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: root.Content[0].Line, Msg: "the spec must be a YAML mapping"}}
	}

	s := &Spec{file: file, pos: &positions{root: &root}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			es := make(Errors, 0, len(te.Errors))
			for _, m := range te.Errors {
				es = append(es, fromYAML(file, m))
			}
			return nil, es
		}
		return nil, Errors{fromYAML(file, err.Error())}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, Errors{{File: file, Line: extra.Line, Msg: "the spec must be a single YAML document"}}
	}
	return s, nil
}

// File is the path the spec was read from.
func (s *Spec) File() string { return s.file }

// Line returns the source line of the value at path, for reporting.
func (s *Spec) Line(path ...any) int { return s.pos.line(path...) }

// errAt builds a located error for the value at path.
func (s *Spec) errAt(msg string, path ...any) *Error {
	return &Error{File: s.file, Line: s.pos.line(path...), Field: fieldName(path...), Msg: msg}
}
