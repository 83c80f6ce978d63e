// Package action holds the tests of the GitHub Action (action.yml,
// action/check.sh) and the pre-commit hook (.pre-commit-hooks.yaml).
package action

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	root    = ".."
	corpus  = "../lint/testdata/realworld"
	errFile = "18-shangkuei-terraform-modules-tailnet-native-no-validsubnets.yaml" // 1 error
	okFile  = "01-michaelbeaumont-k8rn-tailnet-cluster-network.yaml"               // 0 errors
)

// runScript runs action/check.sh as the composite action's check step
// does: GITHUB_ACTION_PATH at the repository, the inputs as INPUT_*.
func runScript(t *testing.T, paths, args string) (code int, outputs map[string]string, sarif string) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	out := filepath.Join(work, "github_output")
	cmd := exec.Command("bash", filepath.Join(abs, "action", "check.sh"))
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"GITHUB_ACTION_PATH="+abs, "GITHUB_OUTPUT="+out, "RUNNER_TEMP="+work,
		"INPUT_PATHS="+paths, "INPUT_ARGS="+args, "INPUT_SARIF_FILE=results.sarif")
	stderr, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	outputs = map[string]string{}
	b, _ := os.ReadFile(out)
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			outputs[k] = v
		}
	}
	if p := outputs["sarif-file"]; p != "" {
		s, err := os.ReadFile(filepath.Join(work, p))
		if err != nil {
			t.Fatalf("sarif-file output %s: %v\n%s", p, err, stderr)
		}
		sarif = string(s)
	}
	return code, outputs, sarif
}

type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Results []struct {
			RuleID string `json:"ruleId"`
			Level  string `json:"level"`
		} `json:"results"`
	} `json:"runs"`
}

// The action's script builds tailos from the checkout, writes SARIF for
// the upload step and reports check's exit status; error findings let the
// upload run, input that could not be checked fails the step.
func TestActionScript(t *testing.T) {
	corpusAbs, err := filepath.Abs(corpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, paths, args string
		scriptCode        int
		exitCode          string
		errors            bool
	}{
		{"error findings", filepath.Join(corpusAbs, errFile), "", 0, "1", true},
		{"no error findings", filepath.Join(corpusAbs, okFile), "", 0, "0", false},
		{"error disabled by a flag", filepath.Join(corpusAbs, errFile), "--disable TS052", 0, "0", false},
		{"missing input", filepath.Join(corpusAbs, "no-such.yaml"), "", 2, "2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, outputs, sarif := runScript(t, tc.paths, tc.args)
			if code != tc.scriptCode || outputs["exit-code"] != tc.exitCode {
				t.Fatalf("script exit %d, exit-code %q; want %d, %q (outputs %v)", code, outputs["exit-code"], tc.scriptCode, tc.exitCode, outputs)
			}
			if tc.scriptCode != 0 {
				if outputs["sarif-file"] != "" {
					t.Errorf("sarif-file %q set for input that was not checked", outputs["sarif-file"])
				}
				return
			}
			var log sarifLog
			if err := json.Unmarshal([]byte(sarif), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("not a SARIF 2.1.0 log (%v): %.200s", err, sarif)
			}
			hasError := slices.ContainsFunc(log.Runs[0].Results, func(r struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			}) bool {
				return r.Level == "error"
			})
			if hasError != tc.errors || len(log.Runs[0].Results) == 0 {
				t.Errorf("SARIF results %v, want errors: %v", log.Runs[0].Results, tc.errors)
			}
		})
	}
}

type actionDef struct {
	Inputs  map[string]struct{ Default string } `yaml:"inputs"`
	Outputs map[string]struct{ Value string }   `yaml:"outputs"`
	Runs    struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			Env  map[string]string `yaml:"env"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var inputRef = regexp.MustCompile(`inputs\.([a-z-]+)`)

// action.yml wires the script and the upload together: every input it
// references exists, the script gets the inputs it reads, and the SARIF it
// writes is what the upload step sends.
func TestActionDefinition(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionDef
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using %q", a.Runs.Using)
	}
	for _, m := range inputRef.FindAllStringSubmatch(string(b), -1) {
		if _, ok := a.Inputs[m[1]]; !ok {
			t.Errorf("action.yml references undeclared input %s", m[1])
		}
	}
	script, err := os.ReadFile(filepath.Join(root, "action", "check.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var check, upload bool
	for _, s := range a.Runs.Steps {
		if s.ID == "check" {
			check = strings.Contains(s.Run, "action/check.sh")
			for _, v := range regexp.MustCompile(`INPUT_[A-Z_]+`).FindAllString(string(script), -1) {
				if _, ok := s.Env[v]; !ok {
					t.Errorf("check.sh reads %s, which the check step does not set", v)
				}
			}
		}
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
			upload = s.With["sarif_file"] == "${{ steps.check.outputs.sarif-file }}" && strings.Contains(s.If, "always()")
		}
	}
	if !check || !upload {
		t.Errorf("check step runs the script: %v; upload step sends its SARIF even after findings: %v", check, upload)
	}
	if a.Outputs["exit-code"].Value != "${{ steps.check.outputs.exit-code }}" {
		t.Errorf("exit-code output %q", a.Outputs["exit-code"].Value)
	}
}
