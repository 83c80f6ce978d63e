package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is one problem in a spec, located in its file.
type Error struct {
	File  string
	Line  int    // 0 when unknown
	Field string // YAML path, e.g. nodes[1].address
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	// A spec built in Go has no file: the field locates the problem.
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

var (
	yamlLineRe    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownKeyRe  = regexp.MustCompile(`^field (\S+) not found in type spec\.(\w+)$`)
	wrongTypeRe   = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
	yamlTypeNames = map[string]string{"str": "a string", "int": "a number", "bool": "a boolean", "map": "a mapping", "seq": "a list", "float": "a number"}
)

// fromYAML turns yaml.v3's messages ("line 3: field foo not found in type
// spec.Cluster") into located, readable errors.
func fromYAML(file, msg string) *Error {
	m := yamlLineRe.FindStringSubmatch(strings.TrimSpace(msg))
	if m == nil {
		return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	text := m[2]
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
