// Package yamlerr is how tailos reports a problem in a YAML file: located
// by file, line and field, formatted "file:line: field: message" as
// compilers and linters do, so editors and CI annotate the right line. It
// imports nothing of tailos.
package yamlerr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is one problem in a YAML file.
type Error struct {
	File   string // may be empty when the caller has not named it yet
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Field  string // YAML path, e.g. nodes[1].address
	Msg    string
}

// Error formats "file:line: field: message", leaving out what is unknown
// ("line N: …" without a file).
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
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

// List is every problem found, in file order, one per line.
type List []*Error

func (l List) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Err is l as an error, nil when l is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// WithFile returns copies of the errors attributed to the named file.
func (l List) WithFile(name string) List {
	out := make(List, len(l))
	for i, e := range l {
		c := *e
		c.File = name
		out[i] = &c
	}
	return out
}

var lineMsg = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// SplitLine takes a YAML decoder's message apart ("yaml: line 3: field foo
// not found in type spec.Cluster", as yaml.v3 and go.yaml.in/yaml write
// them): the line (0 when it names none) and the rest, without the
// "yaml: " prefix.
func SplitLine(msg string) (line int, text string) {
	msg = strings.TrimSpace(msg)
	if m := lineMsg.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

var lineRef = regexp.MustCompile(`line (\d+):`)

// Lines are every line a decoder's message names, in order (a decoder
// that collects several errors names several).
func Lines(msg string) []int {
	var out []int
	for _, m := range lineRef.FindAllStringSubmatch(msg, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			out = append(out, n)
		}
	}
	return out
}
