package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tailos/tailos/rules"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the catalogue")

func sample() Report {
	fs := []rules.Finding{
		{Rule: "TS032", Topic: rules.TopicAuthKey, Severity: rules.Warning, File: "patches/ts.yaml", Line: 5, Node: "cp-1", Message: "TS_AUTH_ONCE is unset", Fix: "set it", Edits: []rules.Edit{rules.SetEnv("TS_AUTH_ONCE", "true")}},
		{Rule: "TS050", Topic: rules.TopicNodeIP, Severity: rules.Error, File: "patches/ts.yaml", Line: 0, Node: "cp-1", Message: "validSubnets is not set"},
		{Rule: "TS141", Topic: rules.TopicPort, Severity: rules.Info, File: "other.yaml", Line: 2, Message: "random port"},
	}
	inputs := []Input{
		{File: "patches/ts.yaml", Node: "cp-1", Kind: "patch", Mode: rules.ModeManagement, ModeReason: "inferred"},
		{File: "other.yaml", Kind: "config", Mode: rules.ModeClusterNetwork, ModeReason: "set by --mode"},
	}
	return New(fs, inputs, []string{"a patch was skipped"})
}

func TestSummary(t *testing.T) {
	s := sample().Summary
	if s != (Summary{Inputs: 2, Errors: 1, Warnings: 1, Infos: 1, Fixable: 1}) {
		t.Fatalf("summary %+v", s)
	}
}

// JSON always has a findings list, never null, with the documented keys.
func TestJSON(t *testing.T) {
	for _, r := range []Report{New(nil, nil, nil), sample()} {
		var buf bytes.Buffer
		if err := JSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		list, ok := got["findings"].([]any)
		if !ok {
			t.Fatalf("findings is not a list: %s", buf.String())
		}
		if _, ok := got["summary"].(map[string]any); !ok {
			t.Fatalf("no summary: %s", buf.String())
		}
		for _, item := range list {
			f := item.(map[string]any)
			for _, k := range []string{"rule", "topic", "severity", "file", "line", "node", "message", "fix"} {
				if _, ok := f[k]; !ok {
					t.Errorf("finding lacks %q: %v", k, f)
				}
			}
			if sev := f["severity"]; sev != "error" && sev != "warning" && sev != "info" {
				t.Errorf("severity %v", sev)
			}
		}
	}
}

func TestText(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, sample(), false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"patches/ts.yaml (node cp-1)\n  mode: management (inferred)",
		"  patches/ts.yaml:5: warning TS032 TS_AUTH_ONCE is unset",
		"  patches/ts.yaml: error TS050 validSubnets is not set",
		"other.yaml\n  mode: cluster-network (set by --mode)",
		"note: a patch was skipped",
		"1 error, 1 warning, 1 info in 2 configurations; 1 fixable with --fix",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without a terminal")
	}
	buf.Reset()
	_ = Text(&buf, sample(), true)
	if !strings.Contains(buf.String(), "\x1b[31merror") {
		t.Error("no colour on a terminal")
	}
}

// SARIF output validates against the SARIF 2.1.0 schema and carries what
// GitHub code scanning needs: rules with IDs, results with locations.
func TestSARIFSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	schemaFile, err := os.Open("testdata/sarif-2.1.0-rtm.6.json")
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	doc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Report{New(nil, nil, nil), sample()} {
		var buf bytes.Buffer
		if err := SARIF(&buf, r, "test"); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Fatalf("SARIF does not validate: %v", err)
		}
		var log sarifLog
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		run := log.Runs[0]
		if len(run.Tool.Driver.Rules) != len(rules.All()) {
			t.Errorf("%d rules in driver", len(run.Tool.Driver.Rules))
		}
		for _, res := range run.Results {
			if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
				t.Errorf("ruleIndex %d does not point at %s", res.RuleIndex, res.RuleID)
			}
			if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
				t.Errorf("result without a location: %+v", res)
			}
		}
	}
	// A broken log must fail the same validation, or the test proves nothing.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[]}]}`))
	if schema.Validate(bad) == nil {
		t.Fatal("schema accepted a driver without a name")
	}
}

// docs/rules.md is generated from the catalogue and must be current.
func TestRulesDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := Catalogue(&buf); err != nil {
		t.Fatal(err)
	}
	const path = "../docs/rules.md"
	if *update {
		if err := os.MkdirAll("../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run TestRulesDoc -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatal("docs/rules.md is stale: run go test ./report -run TestRulesDoc -update")
	}
	for _, r := range rules.All() {
		if !bytes.Contains(got, []byte("### "+r.ID)) {
			t.Errorf("docs/rules.md lacks %s", r.ID)
		}
	}
}

func TestExplain(t *testing.T) {
	r, _ := rules.Lookup("ts050")
	var buf bytes.Buffer
	if err := Explain(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TS050  kubelet node IP", "severity: error", "topic:    node-ip", "fix: ", "  - siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/network/node_address.go"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, buf.String())
		}
	}
}
