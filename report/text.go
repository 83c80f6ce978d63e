package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tailos/tailos/rules"
)

// ANSI colours, used only when the caller says the output is a terminal.
const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// Text writes findings grouped by file and node, each as
// "file:line: severity RULE message" with its fix indented below.
func Text(w io.Writer, r Report, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + reset
	}
	ew := &errWriter{w: w}
	owned := r.owned()
	for i, in := range r.Inputs {
		head := in.File
		if len(in.Files) > 1 {
			head = strings.Join(in.Files, " + ")
		}
		if in.Node != "" {
			head += " (node " + in.Node + ")"
		}
		ew.printf("%s\n", paint(bold, head))
		switch in.Status {
		case StatusUnchecked, StatusIgnored:
			what := "could not check"
			if in.Status == StatusIgnored {
				what = "not checked"
			}
			for _, p := range in.Problems {
				ew.printf("  %s: %s\n", paint(red, what), p)
			}
			continue
		case StatusPartial:
			for _, p := range in.Problems {
				ew.printf("  %s: %s\n", paint(yellow, "checked without"), p)
			}
		}
		ew.printf("  mode: %s (%s)\n", in.Mode, in.ModeReason)
		n := 0
		for _, j := range owned[i] {
			f := &r.Findings[j]
			if f.Suppressed != nil {
				continue
			}
			n++
			loc := f.File
			if f.Line > 0 {
				loc = fmt.Sprintf("%s:%d", f.File, f.Line)
			}
			sev := f.Severity.String()
			switch f.Severity {
			case rules.Error:
				sev = paint(red, sev)
			case rules.Warning:
				sev = paint(yellow, sev)
			default:
				sev = paint(cyan, sev)
			}
			ew.printf("  %s: %s %s %s\n", loc, sev, f.Rule, f.Message)
			ew.printf("      fix: %s\n", f.Fix)
		}
		if n == 0 {
			ew.printf("  no findings\n")
		}
	}
	for _, note := range r.Notes {
		ew.printf("note: %s\n", note)
	}
	s := r.Summary
	parts := []string{
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Infos, "info"),
	}
	ew.printf("%s in %s", strings.Join(parts, ", "), plural(s.Inputs, "configuration"))
	if s.Fixable > 0 {
		ew.printf("; %d fixable with --fix", s.Fixable)
	}
	if s.Suppressed > 0 {
		ew.printf("; %d suppressed", s.Suppressed)
	}
	if s.Unchecked > 0 {
		ew.printf("; %s could not be checked (in full)", plural(s.Unchecked, "input"))
	}
	ew.printf("\n")
	return ew.err
}

func plural(n int, word string) string {
	if n == 1 || word == "info" {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// errWriter keeps the first write error so printing stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
