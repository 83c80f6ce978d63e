package lint

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailos/tailos/rules"
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

// Template references in typed fields (a URL, an MTU) are left out and
// noted, never guessed: the rest of the file is still checked, and no rule
// judges the templated value.
func TestTemplatedFields(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		dropped   []string
	}{
		{"patch", "machine:\n  install:\n    image: ${installer_url}\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: ${mtu}\ncluster:\n  controlPlane:\n    endpoint: https://${CLUSTER_ENDPOINT}:6443\n",
			[]string{"machine.network.interfaces.0.mtu", "cluster.controlPlane.endpoint"}},
		{"go template", "machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [192.168.1.0/24]\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: '{{ .MTU }}'\n",
			[]string{"machine.network.interfaces.0.mtu"}},
		{"nothing templated", "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: 1500\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader(nil)
			src := "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=${TS_AUTHKEY}\n---\n" + tc.src
			us, err := l.Load("t.yaml", []byte(src))
			if err != nil {
				t.Fatalf("templated file rejected: %v", err)
			}
			var notes []string
			for _, n := range l.Notes {
				if strings.Contains(n, "checked without it") {
					notes = append(notes, n)
				}
			}
			if len(notes) != len(tc.dropped) {
				t.Fatalf("notes %q, want %d", notes, len(tc.dropped))
			}
			for i, d := range tc.dropped {
				if !strings.Contains(notes[i], d) {
					t.Errorf("note %q does not name %s", notes[i], d)
				}
			}
			for _, f := range CheckUnit(BuildModel(us[0].Config, Options{File: "t.yaml", Source: us[0].Source, Partial: us[0].Partial}), us[0]) {
				if strings.Contains(f.Message, "not an Image Factory installer") || f.Rule == "TS121" || f.Rule == "TS080" {
					t.Errorf("%s judged a templated value: %s", f.Rule, f.Message)
				}
			}
		})
	}
}

// A LAN numbered from CGNAT space is not the tailnet: the mode follows
// what can only be a LAN (a static address there, a /16 or narrower pin)
// unless a Headscale login server explains a narrow tailnet prefix.
func TestInferModeCGNATLAN(t *testing.T) {
	esc := func(args string) string {
		return "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=file:/var/lib/tailscale/k\n  - TS_EXTRA_ARGS=" + args + "\n---\n"
	}
	pin := func(v string) string { return "machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [" + v + "]\n" }
	for _, tc := range []struct {
		name, src string
		want      rules.Mode
	}{
		{"tailnet pin", esc("--ssh") + pin("100.64.0.0/10"), rules.ModeClusterNetwork},
		{"narrow CGNAT pin", esc("--ssh") + pin("100.100.1.0/24"), rules.ModeManagement},
		{"narrow pin with Headscale", esc("--login-server=https://hs.example.com") + pin("100.64.0.0/16"), rules.ModeClusterNetwork},
		{"static CGNAT address", esc("--ssh") + pin("100.64.0.0/10") + "  network:\n    interfaces:\n      - interface: eth0\n        addresses: [100.72.0.5/16]\n", rules.ModeManagement},
		{"private LAN", esc("--ssh") + pin("192.168.1.0/24"), rules.ModeManagement},
	} {
		t.Run(tc.name, func(t *testing.T) {
			us, err := NewLoader(nil).Load("t.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			m := BuildModel(us[0].Config, Options{Partial: us[0].Partial, Source: us[0].Source})
			if m.Mode != tc.want {
				t.Errorf("mode %s (%s), want %s", m.Mode, m.ModeReason, tc.want)
			}
		})
	}
}
