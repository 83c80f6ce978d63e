package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tailos/tailos/rules"
)

// A finding is printed under every input of its node that holds its file,
// merged files included, in the report's order and once per input.
func TestTextOwnership(t *testing.T) {
	fs := []rules.Finding{
		{Rule: "TS001", File: "b.yaml", Line: 3, Node: "n1", Message: "one", Severity: rules.Warning},
		{Rule: "TS002", File: "a.yaml", Line: 1, Node: "n1", Message: "two", Severity: rules.Warning},
		{Rule: "TS003", File: "a.yaml", Line: 2, Node: "n2", Message: "other node", Severity: rules.Warning},
		{Rule: "TS004", File: "c.yaml", Line: 4, Node: "n1", Message: "other file", Severity: rules.Warning},
	}
	inputs := []Input{
		{File: "a.yaml", Files: []string{"a.yaml", "b.yaml", "b.yaml"}, Node: "n1", Kind: "patch", Mode: rules.ModeManagement, ModeReason: "inferred"},
		{File: "a.yaml", Node: "n2", Kind: "patch", Mode: rules.ModeManagement, ModeReason: "inferred"},
	}
	var buf bytes.Buffer
	if err := Text(&buf, New(fs, inputs, nil), false); err != nil {
		t.Fatal(err)
	}
	want := "a.yaml + b.yaml + b.yaml (node n1)\n" +
		"  mode: management (inferred)\n" +
		"  b.yaml:3: warning TS001 one\n      fix: \n" +
		"  a.yaml:1: warning TS002 two\n      fix: \n" +
		"a.yaml (node n2)\n" +
		"  mode: management (inferred)\n" +
		"  a.yaml:2: warning TS003 other node\n      fix: \n"
	if got := buf.String(); !strings.HasPrefix(got, want) {
		t.Fatalf("got:\n%s\nwant it to start with:\n%s", got, want)
	}
}

// BenchmarkText10000 prints the report of a 10,000-file run with two
// findings per file: the cost should grow with the report, not with files
// times findings.
func BenchmarkText10000(b *testing.B) {
	var fs []rules.Finding
	var inputs []Input
	for i := range 10000 {
		file := fmt.Sprintf("node-%05d.yaml", i)
		inputs = append(inputs, Input{File: file, Kind: "config", Mode: rules.ModeManagement, ModeReason: "inferred"})
		for _, rule := range []string{"TS032", "TS050"} {
			fs = append(fs, rules.Finding{Rule: rule, File: file, Line: 7, Message: "m", Severity: rules.Warning})
		}
	}
	r := New(fs, inputs, nil)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Text(&buf, r, false); err != nil {
			b.Fatal(err)
		}
	}
}
