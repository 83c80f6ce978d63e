// Package report prints lint findings as text for people, JSON for
// scripts and SARIF 2.1.0 for code-scanning services.
package report

import (
	"slices"

	"github.com/tailos/tailos/rules"
)

// Input describes one checked node configuration.
type Input struct {
	File       string     `json:"file"`
	Node       string     `json:"node,omitempty"`
	Kind       string     `json:"kind"`
	Mode       rules.Mode `json:"mode"`
	ModeReason string     `json:"modeReason"`
	// Files are all files merged into this configuration (--merge).
	Files []string `json:"files,omitempty"`
	// Status says whether the input was checked: "" counts as checked.
	Status Status `json:"status"`
	// Problems say what could not be checked, for any other status.
	Problems []string `json:"problems,omitempty"`
}

// Status is what became of one input: checked clean or with findings is
// not the same as could not check.
type Status string

// Input statuses.
const (
	// StatusChecked: the whole input was loaded and checked.
	StatusChecked Status = "checked"
	// StatusPartial: checked, but parts (a talhelper patch) could not be
	// loaded; findings cover only the rest.
	StatusPartial Status = "partial"
	// StatusUnchecked: the input could not be loaded; nothing was checked.
	StatusUnchecked Status = "unchecked"
	// StatusIgnored: met in a directory but not Talos input (a schematic).
	StatusIgnored Status = "ignored"
)

// Incomplete reports whether some input was not (fully) checked.
func (r Report) Incomplete() bool { return r.Summary.Unchecked > 0 }

// owned lists, for each input, the indices of the findings that belong to
// it (same node, and its file or one of its merged files), in the
// report's order. One pass over the findings serves every input, so
// printing stays linear in the size of the report.
func (r Report) owned() [][]int {
	type key struct{ file, node string }
	at := make(map[key][]int, len(r.Inputs))
	for i, f := range r.Findings {
		k := key{f.File, f.Node}
		at[k] = append(at[k], i)
	}
	out := make([][]int, len(r.Inputs))
	for i, in := range r.Inputs {
		idx := at[key{in.File, in.Node}]
		merged := false
		for _, file := range in.Files {
			if more := at[key{file, in.Node}]; file != in.File && len(more) > 0 {
				idx = append(slices.Clip(idx), more...)
				merged = true
			}
		}
		if merged {
			slices.Sort(idx)
			idx = slices.Compact(idx)
		}
		out[i] = idx
	}
	return out
}

// Summary counts findings by severity.
type Summary struct {
	Inputs   int `json:"inputs"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
	Fixable  int `json:"fixable"`
	// Suppressed findings are listed but counted nowhere else.
	Suppressed int `json:"suppressed"`
	// Unchecked counts inputs that could not be checked, or only in part.
	Unchecked int `json:"unchecked"`
}

// Report is everything a check run produced.
type Report struct {
	Findings []rules.Finding `json:"findings"`
	Inputs   []Input         `json:"inputs"`
	Notes    []string        `json:"notes,omitempty"`
	Summary  Summary         `json:"summary"`
}

// New builds a report and its summary; findings is never nil afterwards.
func New(findings []rules.Finding, inputs []Input, notes []string) Report {
	r := Report{Findings: findings, Inputs: inputs, Notes: notes}
	if r.Findings == nil {
		r.Findings = []rules.Finding{}
	}
	if r.Inputs == nil {
		r.Inputs = []Input{}
	}
	for i := range r.Inputs {
		r.Summary.AddInput(&r.Inputs[i])
	}
	for _, f := range r.Findings {
		r.Summary.AddFinding(f)
	}
	return r
}
