package report

import (
	"encoding/json"

	"github.com/tailos/tailos/rules"
)

// A Printer writes a report while a run produces it (lint.Stream), so that
// a large fleet's report is never held whole: Input for every input in
// order, with its findings, then Finish with what is known only at the
// end. Text, JSON and SARIF print a whole Report through the same printers.
type Printer interface {
	// Input prints one input and its own findings.
	Input(in Input, findings []rules.Finding) error
	// Finish prints the findings that compare nodes (each points at its
	// input by file and node), the notes and the summary; s is the
	// Summary of everything printed (Summary.AddInput, AddFinding).
	Finish(cross []rules.Finding, notes []string, s Summary) error
}

// AddInput counts in, and marks an input without a status as checked.
func (s *Summary) AddInput(in *Input) {
	switch in.Status {
	case "":
		in.Status = StatusChecked
		s.Inputs++
	case StatusChecked:
		s.Inputs++
	case StatusPartial:
		s.Inputs++
		s.Unchecked++
	case StatusUnchecked:
		s.Unchecked++
	}
}

// AddFinding counts f.
func (s *Summary) AddFinding(f rules.Finding) {
	if f.Suppressed != nil {
		s.Suppressed++
		return
	}
	switch f.Severity {
	case rules.Error:
		s.Errors++
	case rules.Warning:
		s.Warnings++
	default:
		s.Infos++
	}
	if f.Fixable() {
		s.Fixable++
	}
}

// printAll writes a whole report through p.
func printAll(p Printer, r Report) error {
	owned := r.owned()
	var fs []rules.Finding
	for i, in := range r.Inputs {
		fs = fs[:0]
		for _, j := range owned[i] {
			fs = append(fs, r.Findings[j])
		}
		if err := p.Input(in, fs); err != nil {
			return err
		}
	}
	return p.Finish(nil, r.Notes, r.Summary)
}

// printFlat writes a whole report through p with its findings in the
// report's order, each once, as the JSON and SARIF shapes list them: the
// inputs first, then every finding as if it compared nodes.
func printFlat(p Printer, r Report) error {
	for _, in := range r.Inputs {
		if err := p.Input(in, nil); err != nil {
			return err
		}
	}
	return p.Finish(r.Findings, r.Notes, r.Summary)
}

// jsonArray streams the elements of a JSON array whose key sits at
// indent, laid out as encoding/json's two-space indentation would.
type jsonArray struct {
	w      *errWriter
	indent string
	n      int
}

// add writes v as the array's next element.
func (a *jsonArray) add(v any) {
	b, err := json.MarshalIndent(v, a.indent+"  ", "  ")
	if err != nil {
		a.w.fail(err)
		return
	}
	if a.n == 0 {
		a.w.write("\n" + a.indent + "  ")
	} else {
		a.w.write(",\n" + a.indent + "  ")
	}
	a.n++
	a.w.writeBytes(b)
}

// close ends the array ("[" is the caller's).
func (a *jsonArray) close() {
	if a.n == 0 {
		a.w.write("]")
		return
	}
	a.w.write("\n" + a.indent + "]")
}

// member writes `,\n<indent>"key": <v>` for an object's next member.
func member(w *errWriter, indent, key string, v any) {
	b, err := json.MarshalIndent(v, indent, "  ")
	if err != nil {
		w.fail(err)
		return
	}
	w.write(",\n" + indent + `"` + key + `": `)
	w.writeBytes(b)
}
