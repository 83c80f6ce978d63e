package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tailos/tailos/rules"
)

// SARIF 2.1.0 objects, only the properties tailos fills
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

// sarifRun is a run as NewSARIF writes it: its results before its
// invocations, which are known only at the end.
type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Results     []sarifResult     `json:"results"`
	Invocations []sarifInvocation `json:"invocations"`
}

// sarifInvocation says whether the run checked everything: an input that
// could not be checked is a tool execution notification, not silence.
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 sarifHelp          `json:"help"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifSuppression is SARIF 2.1.0 §3.35: a result the project silenced.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// SARIF writes a SARIF 2.1.0 log with the whole catalogue as the driver's
// rules, as GitHub code scanning expects.
func SARIF(w io.Writer, r Report, version string) error {
	return printFlat(NewSARIF(w, version), r)
}

// NewSARIF is the SARIF Printer: the run's results are written as they
// come, and its invocation (whether every input was checked, and a
// notification for each that was not) after them.
func NewSARIF(w io.Writer, version string) Printer {
	p := &sarifPrinter{w: &errWriter{w: w}, version: version, index: map[string]int{}}
	p.results = jsonArray{w: p.w, indent: "      "}
	return p
}

type sarifPrinter struct {
	w       *errWriter
	version string
	started bool
	index   map[string]int
	results jsonArray
	// notes are the notifications of the inputs not checked (in full).
	notes []sarifNotification
}

// start writes the log up to the run's results: the tool and its rules.
func (p *sarifPrinter) start() {
	if p.started {
		return
	}
	p.started = true
	catalogue := rules.All()
	driver := sarifDriver{Name: "tailos", Version: p.version, InformationURI: "https://github.com/tailos/tailos", Rules: make([]sarifRule, 0, len(catalogue))}
	for i, rule := range catalogue {
		p.index[rule.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   rule.ID,
			Name:                 ruleName(rule),
			ShortDescription:     sarifText{Text: rule.Title},
			FullDescription:      sarifText{Text: rule.Why},
			Help:                 sarifHelp{Text: rule.Fix, Markdown: Markdown(rule)},
			DefaultConfiguration: sarifConfiguration{Level: level(rule.Severity)},
			Properties:           sarifRuleProps{Tags: []string{string(rule.Topic), "tailscale", "talos"}},
		})
	}
	p.w.write("{\n  \"$schema\": \"" + sarifSchema + "\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ")
	tool, err := json.MarshalIndent(sarifTool{Driver: driver}, "      ", "  ")
	if err != nil {
		p.w.fail(err)
		return
	}
	p.w.writeBytes(tool)
	p.w.write(",\n      \"results\": [")
}

func (p *sarifPrinter) result(f *rules.Finding) {
	msg := f.Message
	if f.Node != "" {
		msg = "node " + f.Node + ": " + msg
	}
	// GitHub code scanning wants a region; a finding about something the
	// file lacks points at its first line.
	loc := sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(f.File)},
		Region:           &sarifRegion{StartLine: max(f.Line, 1)},
	}
	res := sarifResult{
		RuleID: f.Rule, RuleIndex: p.index[f.Rule], Level: level(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: loc}},
	}
	if f.Suppressed != nil {
		res.Suppressions = []sarifSuppression{{Kind: f.Suppressed.Kind, Justification: f.Suppressed.Justification}}
	}
	p.results.add(&res)
}

func (p *sarifPrinter) Input(in Input, fs []rules.Finding) error {
	p.start()
	for i := range fs {
		p.result(&fs[i])
	}
	if in.Status == StatusUnchecked || in.Status == StatusPartial {
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(in.File)}}
		p.notes = append(p.notes, sarifNotification{
			Level:     "error",
			Message:   sarifText{Text: fmt.Sprintf("%s: %s", in.Status, strings.Join(in.Problems, "; "))},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	return p.w.err
}

// Finish ends the log; notes are not part of SARIF's results.
func (p *sarifPrinter) Finish(cross []rules.Finding, _ []string, s Summary) error {
	p.start()
	for i := range cross {
		p.result(&cross[i])
	}
	p.results.close()
	inv := sarifInvocation{ExecutionSuccessful: s.Unchecked == 0, Notifications: p.notes}
	member(p.w, "      ", "invocations", []sarifInvocation{inv})
	p.w.write("\n    }\n  ]\n}\n")
	return p.w.err
}

func level(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

// ruleName is a PascalCase name from the title, as SARIF viewers show it.
func ruleName(r *rules.Rule) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(r.Title, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
