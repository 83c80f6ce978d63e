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

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
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
	catalogue := rules.All()
	index := map[string]int{}
	driver := sarifDriver{Name: "tailos", Version: version, InformationURI: "https://github.com/tailos/tailos", Rules: []sarifRule{}}
	for i, rule := range catalogue {
		index[rule.ID] = i
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
	results := []sarifResult{}
	for _, f := range r.Findings {
		msg := f.Message
		if f.Node != "" {
			msg = "node " + f.Node + ": " + msg
		}
		// GitHub code scanning wants a region; a finding about something the
		// file lacks points at its first line.
		line := max(f.Line, 1)
		loc := sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(f.File)},
			Region:           &sarifRegion{StartLine: line},
		}
		res := sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: level(f.Severity),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		}
		if f.Suppressed != nil {
			res.Suppressions = []sarifSuppression{{Kind: f.Suppressed.Kind, Justification: f.Suppressed.Justification}}
		}
		results = append(results, res)
	}
	inv := sarifInvocation{ExecutionSuccessful: !r.Incomplete()}
	for _, in := range r.Inputs {
		if in.Status != StatusUnchecked && in.Status != StatusPartial {
			continue
		}
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(in.File)}}
		inv.Notifications = append(inv.Notifications, sarifNotification{
			Level:     "error",
			Message:   sarifText{Text: fmt.Sprintf("%s: %s", in.Status, strings.Join(in.Problems, "; "))},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{{Tool: sarifTool{Driver: driver}, Invocations: []sarifInvocation{inv}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
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
