// Package report prints lint findings as text for people, JSON for
// scripts and SARIF 2.1.0 for code-scanning services.
package report

import (
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
}

// owns reports whether a finding belongs to this input.
func (in Input) owns(f rules.Finding) bool {
	if f.Node != in.Node {
		return false
	}
	if f.File == in.File {
		return true
	}
	for _, file := range in.Files {
		if f.File == file {
			return true
		}
	}
	return false
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
	r.Summary.Inputs = len(inputs)
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			r.Summary.Suppressed++
			continue
		}
		switch f.Severity {
		case rules.Error:
			r.Summary.Errors++
		case rules.Warning:
			r.Summary.Warnings++
		default:
			r.Summary.Infos++
		}
		if f.Fixable() {
			r.Summary.Fixable++
		}
	}
	return r
}
