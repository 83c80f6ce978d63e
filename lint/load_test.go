package lint

import (
	"errors"
	"strings"
	"testing"
)

// Load tells the input shapes apart and rejects what Talos would, naming
// the file.
func TestLoadClassifies(t *testing.T) {
	whole := string(fullConfigs(t, "v1.13.0", 1)[0])
	l := NewLoader(nil)
	for _, tc := range []struct {
		name, src string
		kind      string
		units     int
		partial   bool
		wantErr   string
	}{
		{name: "whole", src: whole, kind: "config", units: 1},
		{name: "smp", src: "machine:\n  certSANs: [a]\n", kind: "patch", units: 1, partial: true},
		// As tailos gen (machinery's encoder) writes patches: a version, no type.
		{name: "smp-with-version", src: "version: v1alpha1\nmachine:\n  certSANs: [a]\n", kind: "patch", units: 1, partial: true},
		{name: "json6902", src: `[{"op":"add","path":"/machine/certSANs","value":["a"]}]`, kind: "patch", units: 1, partial: true},
		{name: "json6902-yaml", src: "- op: add\n  path: /machine/certSANs\n  value: [a]\n", kind: "patch", units: 1, partial: true},
		{name: "talhelper", src: "clusterName: c\ntalosVersion: v1.13.0\nendpoint: https://10.0.0.1:6443\nnodes:\n  - hostname: a\n    controlPlane: true\n  - hostname: b\n", kind: "talhelper", units: 2},
		{name: "broken", src: "machine:\n  certSANs: [a\n", wantErr: "broken.yaml: "},
		{name: "unknown-field", src: "machine:\n  bogus: 1\n", wantErr: "unknown keys"},
		{name: "empty", src: "", wantErr: "no YAML documents"},
		{name: "json-patch-bad-path", src: `[{"op":"replace","path":"/nope/x","value":1}]`, wantErr: "json-patch-bad-path.yaml: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			units, err := l.Load(tc.name+".yaml", []byte(tc.src))
			if tc.wantErr != "" {
				var ie *InputError
				if err == nil || !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), tc.name+".yaml") {
					t.Fatalf("error %v, want an InputError naming the file and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(units) != tc.units {
				t.Fatalf("%d units, want %d", len(units), tc.units)
			}
			for _, u := range units {
				if u.Kind != tc.kind || u.Partial != tc.partial {
					t.Errorf("kind %s partial %v, want %s %v", u.Kind, u.Partial, tc.kind, tc.partial)
				}
			}
			if tc.kind == "talhelper" && (units[0].Role != "" || units[0].Node != "a") {
				t.Errorf("talhelper node %+v", units[0])
			}
		})
	}
}

// Findings on an environment entry point at its line; a document-level
// finding at the document; a field the patch does not state at the nearest
// ancestor the patch has.
func TestLines(t *testing.T) {
	src := "# comment\napiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=file:/var/lib/tailscale/k\n  - TS_ACCEPT_DNS=true\n---\nmachine:\n  kubelet:\n    nodeIP:\n      validSubnets: [0.0.0.0/0]\n"
	units, err := NewLoader(nil).Load("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fs := CheckConfig(units[0].Config, Options{File: "p.yaml", Source: []byte(src), Partial: true})
	want := map[string]int{"TS070": 7, "TS050": 12, "TS032": 2, "TS060": 9}
	for _, f := range fs {
		if l, ok := want[f.Rule]; ok {
			if f.Line != l {
				t.Errorf("%s at line %d, want %d", f.Rule, f.Line, l)
			}
			delete(want, f.Rule)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing findings %v", want)
	}
}
