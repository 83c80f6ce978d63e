package talosconf

import (
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"
)

func TestContract(t *testing.T) {
	for _, tc := range []struct {
		version string
		wantErr string
	}{
		{"v1.14.1", ""},
		{"v1.7.0", ""},
		{"v1.13", ""},
		{"v1.6.8", "not supported"},
		{"v1.15.0", "not supported"},
		{"banana", "talos version"},
	} {
		_, err := Contract(tc.version)
		if tc.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tc.version, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: error %v, want %q", tc.version, err, tc.wantErr)
		}
	}
}

// Every supported version generates a base that machinery validates in metal
// mode, and a patch applies on top of it.
func TestBaseApplyValidate(t *testing.T) {
	const esc = `apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: tailscale
environment:
  - TS_AUTHKEY=file:/var/lib/tailscale/authkey
---
`
	// Talos 1.14 moved the kubelet node IP into KubeNodeConfig; setting the
	// v1alpha1 field on a 1.14-generated config is a conflict.
	legacy := []byte(esc + "machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [192.168.1.0/24]\n")
	multidoc := []byte(esc + "apiVersion: v1alpha1\nkind: KubeNodeConfig\nnodeIP:\n  validSubnets: [192.168.1.0/24]\n")
	for _, v := range SupportedVersions() {
		t.Run(v, func(t *testing.T) {
			patch := legacy
			if v == "v1.14" {
				patch = multidoc
			}
			g, err := NewGenerator(BaseOptions{ClusterName: "c", Endpoint: "https://192.168.1.10:6443", TalosVersion: v + ".0"})
			if err != nil {
				t.Fatal(err)
			}
			for _, role := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
				base, err := g.Base(role)
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := Apply(base, patch)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Validate(cfg); err != nil {
					t.Fatalf("%s %s: %v", v, role, err)
				}
				if v == "v1.14" {
					bad, err := Apply(cfg, legacy)
					if err == nil {
						_, err = Validate(bad)
					}
					if err == nil {
						t.Fatalf("v1alpha1 nodeIP on a 1.14 config validated; want a conflict")
					}
				}
				if got := len(cfg.ExtensionServiceConfigs()); got != 1 {
					t.Fatalf("ExtensionServiceConfigs = %d, want 1", got)
				}
				if got := cfg.K8sNodeConfig().NodeIP().ValidSubnets(); len(got) != 1 || got[0] != "192.168.1.0/24" {
					t.Fatalf("validSubnets = %v", got)
				}
			}
		})
	}
}

// Validation fails for a config machinery rejects, so verification can fail.
func TestValidateRejects(t *testing.T) {
	base, err := Base(BaseOptions{ClusterName: "c", Endpoint: "https://10.0.0.1:6443"}, machine.TypeWorker)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Apply(base, []byte("machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [not-a-cidr]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(cfg); err == nil || !strings.Contains(err.Error(), "not-a-cidr") {
		t.Fatalf("Validate = %v, want an error naming the bad subnet", err)
	}
}
