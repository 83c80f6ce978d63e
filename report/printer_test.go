package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tailos/tailos/rules"
)

// reports are the shapes the printers must get right: empty, findings
// without notes, notes, suppressed and unchecked inputs.
func reports() []Report {
	withMore := sample()
	withMore.Findings[2].Suppressed = &rules.Suppression{Kind: "inSource", Justification: "known <port> & ok"}
	withMore = New(withMore.Findings, append(withMore.Inputs,
		Input{File: "bad.yaml", Status: StatusUnchecked, Problems: []string{"bad.yaml:3: yaml: did not find expected key"}},
		Input{File: "tal.yaml", Node: "w1", Kind: "talhelper", Status: StatusPartial, Problems: []string{"patch a.yaml"}},
	), nil)
	noNotes := sample()
	noNotes.Notes = nil
	return []Report{New(nil, nil, nil), sample(), noNotes, withMore}
}

// The streamed JSON is byte for byte encoding/json's indented encoding of
// the Report, so scripts see one shape however it was printed.
func TestJSONIsEncoding(t *testing.T) {
	for i, r := range reports() {
		var got, want bytes.Buffer
		if err := JSON(&got, r); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("report %d: streamed JSON differs from its encoding:\n%s\nwant:\n%s", i, got.String(), want.String())
		}
	}
}

// The streamed SARIF decodes into the log and encodes back to itself: its
// layout is encoding/json's, its content the log's.
func TestSARIFIsEncoding(t *testing.T) {
	for i, r := range reports() {
		var got bytes.Buffer
		if err := SARIF(&got, r, "v1"); err != nil {
			t.Fatal(err)
		}
		var log sarifLog
		if err := json.Unmarshal(got.Bytes(), &log); err != nil {
			t.Fatalf("report %d: %v\n%s", i, err, got.String())
		}
		var again bytes.Buffer
		enc := json.NewEncoder(&again)
		enc.SetIndent("", "  ")
		if err := enc.Encode(log); err != nil {
			t.Fatal(err)
		}
		if got.String() != again.String() {
			t.Errorf("report %d: SARIF layout is not encoding/json's:\n%s", i, got.String())
		}
		run := log.Runs[0]
		if len(run.Results) != len(r.Findings) || run.Invocations[0].ExecutionSuccessful == r.Incomplete() {
			t.Errorf("report %d: %d results for %d findings, executionSuccessful %v", i, len(run.Results), len(r.Findings), run.Invocations[0].ExecutionSuccessful)
		}
	}
}

// A streamed run's cross-node findings come after every input: text
// prints them under their own heading, naming the node; JSON lists them
// after the inputs' own.
func TestPrinterCross(t *testing.T) {
	own := []rules.Finding{{Rule: "TS032", Severity: rules.Warning, File: "a.yaml", Line: 5, Message: "own"}}
	cross := []rules.Finding{{Rule: "TS103", Severity: rules.Info, File: "b.yaml", Line: 7, Node: "w2", Message: "2 nodes advertise 10.0.0.0/8"}}
	inputs := []Input{{File: "a.yaml", Kind: "config"}, {File: "b.yaml", Node: "w2", Kind: "config"}}
	var s Summary
	for i := range inputs {
		s.AddInput(&inputs[i])
	}
	for _, f := range append(own, cross...) {
		s.AddFinding(f)
	}
	stream := func(p Printer) {
		t.Helper()
		if err := p.Input(inputs[0], own); err != nil {
			t.Fatal(err)
		}
		if err := p.Input(inputs[1], nil); err != nil {
			t.Fatal(err)
		}
		if err := p.Finish(cross, nil, s); err != nil {
			t.Fatal(err)
		}
	}
	var text bytes.Buffer
	stream(NewText(&text, false))
	want := "b.yaml (node w2)\n  mode:  ()\n  no findings\nacross nodes\n  b.yaml:7 (node w2): info TS103 2 nodes advertise 10.0.0.0/8\n"
	if !strings.Contains(text.String(), want) || !strings.HasSuffix(text.String(), "0 errors, 1 warning, 1 info in 2 configurations\n") {
		t.Errorf("text:\n%s", text.String())
	}
	var js bytes.Buffer
	stream(NewJSON(&js))
	var r struct {
		Findings []struct{ Rule string }
		Inputs   []Input
		Summary  Summary
	}
	if err := json.Unmarshal(js.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 2 || r.Findings[0].Rule != "TS032" || r.Findings[1].Rule != "TS103" || len(r.Inputs) != 2 || r.Summary != s {
		t.Errorf("json: %+v", r)
	}
}
