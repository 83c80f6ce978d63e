package report

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tailos/tailos/rules"
)

// RuleInfo is one catalogue entry as `tailos check --list-rules -o json`
// prints it.
type RuleInfo struct {
	ID       string         `json:"id"`
	Severity rules.Severity `json:"severity"`
	Topic    rules.Topic    `json:"topic"`
	Title    string         `json:"title"`
	Cases    []rules.Case   `json:"cases"`
}

// RuleList is the catalogue in ID order.
func RuleList() []RuleInfo {
	var out []RuleInfo
	for _, r := range rules.All() {
		out = append(out, RuleInfo{ID: r.ID, Severity: r.Severity, Topic: r.Topic, Title: r.Title, Cases: r.Cases()})
	}
	return out
}

// RulesText writes one rule a line: ID, severity, topic, title.
func RulesText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTOPIC\tTITLE")
	for _, r := range RuleList() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Topic, r.Title)
	}
	return tw.Flush()
}

// RulesJSON writes the catalogue as a JSON array.
func RulesJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(RuleList())
}
