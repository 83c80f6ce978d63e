package lint

import (
	"strings"
	"testing"

	"github.com/tailos/tailos/rules"
)

func TestParseSettings(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		disable   []string
		severity  map[string]rules.Severity
		err       string
	}{
		{"top level", "disable: [ts141, TS120]\nseverity:\n  TS050: warning\n", []string{"TS141", "TS120"}, map[string]rules.Severity{"TS050": rules.Warning}, ""},
		{"check section", "spec: tailos.yaml\ncheck:\n  disable: TS141,TS120\n", []string{"TS141", "TS120"}, nil, ""},
		{"empty", "", nil, nil, ""},
		{"a tailos spec", "cluster:\n  name: home\nnodes: []\n", nil, nil, ""},
		{"a tailos spec with a check section", "cluster:\n  name: home\ncheck:\n  disable: [TS141]\n", []string{"TS141"}, nil, ""},
		{"unknown key", "disabled: [TS141]\n", nil, nil, "1: unknown key \"disabled\""},
		{"unknown section key", "check:\n  severities: {}\n", nil, nil, "2: check.severities: unknown key"},
		{"unknown rule", "check:\n  disable:\n    - TS141\n    - TS999\n", nil, nil, "4: disable: no rule \"TS999\""},
		{"bad severity", "severity:\n  TS050: fatal\n", nil, nil, "2: severity.TS050: unknown severity"},
		{"not a mapping", "- TS141\n", nil, nil, "1: want a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseSettings([]byte(tc.src))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(s.Disable, ",") != strings.Join(tc.disable, ",") {
				t.Errorf("disable %v, want %v", s.Disable, tc.disable)
			}
			for id, want := range tc.severity {
				if s.Severity[id] != want {
					t.Errorf("severity %s = %s, want %s", id, s.Severity[id], want)
				}
			}
		})
	}
}

func TestSettingsApply(t *testing.T) {
	file := Settings{Disable: []string{"TS141", "TS120"}, Severity: map[string]rules.Severity{"TS050": rules.Info}}
	s := file.Override(Settings{Enable: []string{"TS120"}, Severity: map[string]rules.Severity{"TS050": rules.Warning}})
	fs := s.Apply([]rules.Finding{{Rule: "TS141"}, {Rule: "TS120"}, {Rule: "TS050", Severity: rules.Error}})
	if len(fs) != 2 || fs[0].Rule != "TS120" || fs[1].Severity != rules.Warning {
		t.Errorf("applied: %+v", fs)
	}
}

func TestSuppress(t *testing.T) {
	src := []byte(`environment:
  # tailos:ignore TS039,TS040 the key comes from CI
  # (a second comment line)
  - TS_AUTHKEY=<x>
  - TS_HOSTNAME=REPLACE_ME # tailos:ignore TS039
  - TS_EXTRA_ARGS=--ssh
  # tailos:ignore TS999 typo
  - PORT=1
`)
	fs := []rules.Finding{
		{Rule: "TS039", File: "f", Line: 4}, // comment two lines up
		{Rule: "TS040", File: "f", Line: 4},
		{Rule: "TS039", File: "f", Line: 5}, // trailing comment
		{Rule: "TS130", File: "f", Line: 5}, // other rule
		{Rule: "TS039", File: "f", Line: 6}, // a value line between: not suppressed
		{Rule: "TS039", File: "f", Line: 0}, // no line: cannot be suppressed inline
		{Rule: "TS141", File: "f", Line: 8}, // unknown rule named above
	}
	notes := Suppress(fs, func(string) []byte { return src })
	want := []bool{true, true, true, false, false, false, false}
	for i, f := range fs {
		if (f.Suppressed != nil) != want[i] {
			t.Errorf("finding %d (%s line %d): suppressed %v, want %v", i, f.Rule, f.Line, f.Suppressed != nil, want[i])
		}
	}
	if fs[0].Suppressed.Justification != "the key comes from CI" || fs[0].Suppressed.Kind != "inSource" {
		t.Errorf("suppression %+v", fs[0].Suppressed)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `"TS999"`) {
		t.Errorf("notes %q", notes)
	}
}
