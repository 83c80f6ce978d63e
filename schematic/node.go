package schematic

import (
	"errors"
	"fmt"

	yamlv4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"
)

// parseNode reads the source into a node tree to locate findings. Syntax
// errors come from go.yaml.in/yaml/v4, which reports the exact line and
// column of the problem (yaml.v3 reports the 0-based line of its context);
// the tree itself is yaml.v3's, the library that decodes the schematic.
func parseNode(data []byte) (*yaml.Node, error) {
	var probe yamlv4.Node
	if err := yamlv4.Unmarshal(data, &probe); err != nil {
		var le *yamlv4.LoadError
		if errors.As(err, &le) {
			fe := &FieldError{Line: le.Mark.Line, Column: le.Mark.Column, Msg: le.Message}
			if le.ContextMsg != "" && le.ContextMark.Line > 0 {
				fe.Msg = fmt.Sprintf("%s (%s started at line %d)", le.Message, le.ContextMsg, le.ContextMark.Line)
			}
			return nil, Errors{fe}
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, convertYAMLError(err, nil)
	}
	return &root, nil
}
