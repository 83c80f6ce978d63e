package report

import (
	"fmt"
	"io"
	"slices"
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
	return printAll(NewText(w, color), r)
}

// NewText is the text Printer: each input as it comes, then the findings
// that compare nodes under their own heading, the notes and the summary.
func NewText(w io.Writer, color bool) Printer {
	return &textPrinter{w: &errWriter{w: w}, color: color}
}

type textPrinter struct {
	w     *errWriter
	color bool
}

func (p *textPrinter) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + reset
}

func (p *textPrinter) Input(in Input, fs []rules.Finding) error {
	ew := p.w
	ew.printf("%s\n", p.paint(bold, head(in.File, in.Files, in.Node)))
	switch in.Status {
	case StatusUnchecked, StatusIgnored:
		what := "could not check"
		if in.Status == StatusIgnored {
			what = "not checked"
		}
		for _, pr := range in.Problems {
			ew.printf("  %s: %s\n", p.paint(red, what), pr)
		}
		return ew.err
	case StatusPartial:
		for _, pr := range in.Problems {
			ew.printf("  %s: %s\n", p.paint(yellow, "checked without"), pr)
		}
	}
	ew.printf("  mode: %s (%s)\n", in.Mode, in.ModeReason)
	if p.findings(fs, false) == 0 {
		ew.printf("  no findings\n")
	}
	return ew.err
}

// findings prints those not suppressed and returns how many; withNode
// names each one's node after its file.
func (p *textPrinter) findings(fs []rules.Finding, withNode bool) int {
	n := 0
	for i := range fs {
		f := &fs[i]
		if f.Suppressed != nil {
			continue
		}
		n++
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if withNode && f.Node != "" {
			loc += " (node " + f.Node + ")"
		}
		sev := f.Severity.String()
		switch f.Severity {
		case rules.Error:
			sev = p.paint(red, sev)
		case rules.Warning:
			sev = p.paint(yellow, sev)
		default:
			sev = p.paint(cyan, sev)
		}
		p.w.printf("  %s: %s %s %s\n", loc, sev, f.Rule, f.Message)
		p.w.printf("      fix: %s\n", f.Fix)
	}
	return n
}

func (p *textPrinter) Finish(cross []rules.Finding, notes []string, s Summary) error {
	ew := p.w
	if slices.ContainsFunc(cross, func(f rules.Finding) bool { return f.Suppressed == nil }) {
		ew.printf("%s\n", p.paint(bold, "across nodes"))
		p.findings(cross, true)
	}
	for _, note := range notes {
		ew.printf("note: %s\n", note)
	}
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

// head names an input: its file (or merged files) and node.
func head(file string, files []string, node string) string {
	h := file
	if len(files) > 1 {
		h = strings.Join(files, " + ")
	}
	if node != "" {
		h += " (node " + node + ")"
	}
	return h
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

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) write(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *errWriter) writeBytes(b []byte) { _, _ = e.Write(b) }

func (e *errWriter) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}
