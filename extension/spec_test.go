package extension

import (
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
	"github.com/siderolabs/talos/pkg/machinery/nethelpers"
	"go.yaml.in/yaml/v4"
)

// TestSpecMatchesOfficial decodes the rendered spec as Talos does and checks
// each property of the official siderolabs/extensions tailscale service.
func TestSpecMatchesOfficial(t *testing.T) {
	out, err := MarshalSpec(NewSpec())
	if err != nil {
		t.Fatal(err)
	}
	var s services.Spec
	if err := yaml.Unmarshal(out, &s); err != nil {
		t.Fatalf("decoding rendered spec: %v\n%s", err, out)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("machinery rejects the rendered spec: %v", err)
	}
	env := s.Container.Environment
	mount := func(dst string) specs.Mount {
		for _, m := range s.Container.Mounts {
			if m.Destination == dst {
				return m
			}
		}
		return specs.Mount{}
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"name is tailscale", s.Name == "tailscale"},
		{"entrypoint is the clamp", s.Container.Entrypoint == "/usr/local/bin/tailos-mssclamp"},
		{"containerboot is its argument", slices.Equal(s.Container.Args, []string{"/usr/local/bin/containerboot"})},
		{"clamp off unless configured", !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "TAILOS_MSS_CLAMP=") })},
		{"PATH", slices.Contains(env, "PATH=/sbin:/usr/local/bin")},
		{"TS_SOCKET", slices.Contains(env, "TS_SOCKET=/var/run/tailscale/tailscaled.sock")},
		{"TS_STATE_DIR persists on /var", slices.Contains(env, "TS_STATE_DIR=/var/lib/tailscale")},
		{"kernel TUN", slices.Contains(env, "TS_USERSPACE=false")},
		{"nftables without iptables binary", slices.Contains(env, "TS_DEBUG_FIREWALL_MODE=nftables")},
		{"tun rw", slices.Equal(mount("/dev/net/tun").Options, []string{"bind", "rw"}) && mount("/dev/net/tun").Source == "/dev/net/tun"},
		{"socket rw", slices.Equal(mount("/var/run/tailscale").Options, []string{"bind", "rw"})},
		{"state rw", slices.Equal(mount("/var/lib/tailscale").Options, []string{"bind", "rw"})},
		{"certs ro", slices.Equal(mount("/etc/ssl/certs").Options, []string{"rbind", "ro"}) && mount("/etc/ssl/certs").Type == "bind"},
		{"four mounts", len(s.Container.Mounts) == 4},
		{"writeable sysfs", s.Container.Security.WriteableSysfs},
		{"read-only rootfs", !s.Container.Security.WriteableRootfs},
		{"depends on cri", len(s.Depends) == 3 && s.Depends[0].Service == "cri"},
		{"depends on network", len(s.Depends) == 3 && slices.Equal(s.Depends[1].Network, []nethelpers.Status{nethelpers.StatusAddresses, nethelpers.StatusConnectivity, nethelpers.StatusEtcFiles})},
		{"waits for ExtensionServiceConfig", len(s.Depends) == 3 && s.Depends[2].Configuration},
		{"restart always", s.Restart == services.RestartAlways},
		{"container runner", s.RunnerMode == services.RunnerModeContainer},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("%s: not so in\n%s", tt.name, out)
		}
	}
	for _, noise := range []string{"uidmappings", "environmentFile", "logToConsole", `""`, "null", "[]"} {
		if strings.Contains(string(out), noise) {
			t.Errorf("rendered spec carries zero value %q:\n%s", noise, out)
		}
	}
}

func TestManifest(t *testing.T) {
	tests := []struct {
		compat, want string
	}{
		{"", ">= v1.7.0"},
		{">= v1.10.0", ">= v1.10.0"},
	}
	for _, tt := range tests {
		m := NewManifest(ManifestOptions{Version: "1.96.5", TalosCompat: tt.compat})
		out, err := MarshalManifest(m)
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			Version  string `yaml:"version"`
			Metadata struct {
				Name, Version string
				Compat        struct {
					Talos struct{ Version string }
				} `yaml:"compatibility"`
			}
		}
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if back.Version != "v1alpha1" || back.Metadata.Name != "tailscale" || back.Metadata.Version != "1.96.5" || back.Metadata.Compat.Talos.Version != tt.want {
			t.Errorf("compat %q: manifest\n%s", tt.compat, out)
		}
	}
}

func TestMarshalSpecRejectsLossyRoundTrip(t *testing.T) {
	s := NewSpec()
	// An empty string inside a list cannot be pruned and must survive.
	s.Container.Args = []string{""}
	out, err := MarshalSpec(s)
	if err != nil {
		t.Fatalf("MarshalSpec: %v", err)
	}
	if !strings.Contains(string(out), `- ""`) {
		t.Errorf("empty argument lost:\n%s", out)
	}
}

func TestNormalizeVersion(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1.96.5", "1.96.5", true},
		{"v1.96.5", "1.96.5", true},
		{"1.96", "", false},
		{"latest", "", false},
		{"1.96.5-pre", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeVersion(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeVersion(%q) = %q, %v", tt.in, got, err)
		}
	}
}
