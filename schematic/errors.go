package schematic

import (
	"fmt"
	"strings"
)

// FieldError is one problem in a schematic, located in its source.
type FieldError struct {
	File   string // set by the caller that read the file; may be empty
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Field  string // dotted path, e.g. customization.meta[0].key
	Msg    string
}

func (e *FieldError) Error() string {
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
		fmt.Fprintf(&b, "%s: ", e.Field)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one schematic, in source order.
type Errors []*FieldError

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// WithFile returns the errors attributed to the named file.
func (es Errors) WithFile(name string) Errors {
	out := make(Errors, len(es))
	for i, e := range es {
		c := *e
		c.File = name
		out[i] = &c
	}
	return out
}
