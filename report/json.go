package report

import (
	"bytes"
	"io"

	"github.com/tailos/tailos/rules"
)

// JSON writes {"findings":[...],"inputs":[...],"summary":{...}}.
func JSON(w io.Writer, r Report) error {
	return printFlat(NewJSON(w), r)
}

// NewJSON is the JSON Printer. Its output is JSON's encoding of the Report
// (findings, inputs, notes, summary); the findings are written as they
// come, and the inputs, which the shape lists after them, are kept encoded
// until Finish (the cross-node findings come last among the findings).
func NewJSON(w io.Writer) Printer {
	p := &jsonPrinter{w: &errWriter{w: w}}
	p.findings = jsonArray{w: p.w, indent: "  "}
	p.inputs = jsonArray{w: &errWriter{w: &p.inputBuf}, indent: "  "}
	return p
}

type jsonPrinter struct {
	w        *errWriter
	started  bool
	findings jsonArray
	inputBuf bytes.Buffer
	inputs   jsonArray
}

func (p *jsonPrinter) start() {
	if !p.started {
		p.started = true
		p.w.write("{\n  \"findings\": [")
	}
}

func (p *jsonPrinter) Input(in Input, fs []rules.Finding) error {
	p.start()
	for i := range fs {
		p.findings.add(&fs[i])
	}
	p.inputs.add(&in)
	if p.inputs.w.err != nil {
		p.w.fail(p.inputs.w.err)
	}
	return p.w.err
}

func (p *jsonPrinter) Finish(cross []rules.Finding, notes []string, s Summary) error {
	p.start()
	for i := range cross {
		p.findings.add(&cross[i])
	}
	p.findings.close()
	p.inputs.close()
	p.w.write(",\n  \"inputs\": [")
	p.w.writeBytes(p.inputBuf.Bytes())
	if len(notes) > 0 {
		member(p.w, "  ", "notes", notes)
	}
	member(p.w, "  ", "summary", s)
	p.w.write("\n}\n")
	return p.w.err
}
