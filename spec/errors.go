package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tailos/tailos/facts/yamlerr"
)

// Error is one problem in a spec, located in its file
// ("file:line: field: message").
type Error = yamlerr.Error

// Errors is every problem found, in file order.
type Errors = yamlerr.List

var (
	unknownKeyRe  = regexp.MustCompile(`^field (\S+) not found in type spec\.(\w+)$`)
	wrongTypeRe   = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
	yamlTypeNames = map[string]string{"str": "a string", "int": "a number", "bool": "a boolean", "map": "a mapping", "seq": "a list", "float": "a number"}
)

// fromYAML turns yaml.v3's messages ("line 3: field foo not found in type
// spec.Cluster") into located, readable errors.
func fromYAML(file, msg string) *Error {
	line, text := yamlerr.SplitLine(msg)
	if line == 0 {
		return &Error{File: file, Msg: text}
	}
	if u := unknownKeyRe.FindStringSubmatch(text); u != nil {
		text = fmt.Sprintf("unknown key %q in %s", u[1], strings.ToLower(u[2]))
	} else if w := wrongTypeRe.FindStringSubmatch(text); w != nil {
		got := yamlTypeNames[w[1]]
		if got == "" {
			got = w[1]
		}
		if w[2] != "" {
			text = fmt.Sprintf("wrong type: %q is %s, want %s", w[2], got, goTypeName(w[3]))
		} else {
			text = fmt.Sprintf("wrong type: got %s, want %s", got, goTypeName(w[3]))
		}
	}
	return &Error{File: file, Line: line, Msg: text}
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "int" || t == "uint8" || t == "uint":
		return "a number"
	case t == "bool" || t == "*bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return "a mapping"
}
