package lint

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/talosconf"
)

const tsSchematic = "4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b"

// nodePatch is a sound management-mode Tailscale patch for node i, in the
// document shape of the Talos version.
func nodePatch(i int, v114 bool) string {
	addr := fmt.Sprintf("192.168.%d.%d", 1+i/250, 1+i%250)
	install := "machine:\n  install:\n    image: factory.talos.dev/metal-installer/" + tsSchematic + ":v1.13.0\n"
	nodeIP := "machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [192.168.0.0/16]\n"
	if v114 {
		install = "apiVersion: v1alpha1\nkind: UnattendedInstallConfig\ninstaller:\n  image: factory.talos.dev/metal-installer/" + tsSchematic + ":v1.14.1\nprovisioning:\n  diskSelector:\n    match: disk.dev_path == \"/dev/sda\"\n"
		nodeIP = "apiVersion: v1alpha1\nkind: KubeNodeConfig\nnodeIP:\n  validSubnets: [192.168.0.0/16]\n"
	}
	return strings.Join([]string{
		fmt.Sprintf("apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=file:/var/lib/tailscale/authkey\n  - TS_AUTH_ONCE=true\n  - TS_HOSTNAME=node-%d\n  - PORT=41641\n  - TS_ROUTES=10.0.%d.0/24\n", i, i%250),
		install, nodeIP,
		fmt.Sprintf("machine:\n  certSANs: [node-%d.tail1234.ts.net]\n  network:\n    interfaces:\n      - interface: eth0\n        addresses: [%s/16]\n", i, addr),
	}, "---\n")
}

// fullConfigs renders n machine configs from machinery's generator, each
// with a Tailscale patch, as `talosctl gen config --config-patch` would.
func fullConfigs(tb testing.TB, version string, n int, edit ...func(string) string) [][]byte {
	tb.Helper()
	g, err := talosconf.NewGenerator(talosconf.BaseOptions{ClusterName: "bench", Endpoint: "https://192.168.1.1:6443", TalosVersion: version})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([][]byte, 0, n)
	for i := range n {
		role := machine.TypeWorker
		if i%10 == 0 {
			role = machine.TypeControlPlane
		}
		base, err := g.Base(role)
		if err != nil {
			tb.Fatal(err)
		}
		patch := nodePatch(i, strings.HasPrefix(version, "v1.14"))
		for _, e := range edit {
			patch = e(patch)
		}
		if role == machine.TypeControlPlane {
			patch += "---\ncluster:\n  etcd:\n    advertisedSubnets: [192.168.0.0/16]\n"
		}
		cfg, err := talosconf.Apply(base, []byte(patch))
		if err != nil {
			tb.Fatal(err)
		}
		b, err := cfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// Realistic full configs: the sound patch leaves no error or warning in
// either config shape, and a broken one is reported at the right lines.
func TestFullConfigs(t *testing.T) {
	known := map[string][]string{tsSchematic: {"siderolabs/tailscale"}}
	for _, version := range []string{"v1.13.0", "v1.14.1"} {
		t.Run(version, func(t *testing.T) {
			cfgs := fullConfigs(t, version, 2) // a control plane and a worker
			l := NewLoader(nil)
			for i, src := range cfgs {
				if _, err := talosconf.Validate(mustLoad(t, src)); err != nil {
					t.Fatalf("machinery rejects the generated config: %v", err)
				}
				units, err := l.Load("node.yaml", src)
				if err != nil {
					t.Fatal(err)
				}
				if len(units) != 1 || units[0].Kind != "config" || units[0].Partial {
					t.Fatalf("node %d loaded as %+v", i, units)
				}
				fs := CheckConfig(units[0].Config, Options{File: "node.yaml", Source: src, Schematics: known})
				for _, f := range fs {
					if f.Severity > rules.Info {
						t.Errorf("node %d: %s %s: %s", i, f.Rule, f.Severity, f.Message)
					}
				}
			}

			// A control plane with traps: TS_AUTH_ONCE=false, node IP not pinned.
			bad := string(fullConfigs(t, version, 1, func(p string) string {
				p = strings.Replace(p, "TS_AUTH_ONCE=true", "TS_AUTH_ONCE=false", 1)
				return strings.Replace(p, "validSubnets: [192.168.0.0/16]", "validSubnets: [0.0.0.0/0]", 1)
			})[0])
			units, err := l.Load("bad.yaml", []byte(bad))
			if err != nil {
				t.Fatal(err)
			}
			fs := CheckConfig(units[0].Config, Options{File: "bad.yaml", Source: []byte(bad), Schematics: known})
			lines := strings.Split(bad, "\n")
			var sawAuth, sawNodeIP bool
			for _, f := range fs {
				switch f.Rule {
				case "TS032":
					sawAuth = true
					if got := strings.TrimSpace(lines[f.Line-1]); got != "- TS_AUTH_ONCE=false" {
						t.Errorf("TS032 at line %d: %q", f.Line, got)
					}
				case "TS050":
					sawNodeIP = true
					if f.Severity != rules.Error {
						t.Errorf("TS050 severity %s with a 192.168 address", f.Severity)
					}
					if got := strings.TrimSpace(lines[f.Line-1]); got != "validSubnets:" {
						t.Errorf("TS050 at line %d: %q", f.Line, got)
					}
				}
			}
			if !sawAuth || !sawNodeIP {
				t.Fatalf("missing findings: %v", fs)
			}
		})
	}
}

// In a Talos 1.14 config KubeNodeConfig wins over the v1alpha1 field, as
// Talos applies it: a v1alpha1 nodeIP next to the document does not count.
func TestNewDocumentWins(t *testing.T) {
	src := fullConfigs(t, "v1.14.1", 1)[0]
	withLegacy := strings.Replace(string(src), "machine:\n", "machine:\n    kubelet:\n        nodeIP:\n            validSubnets: [10.0.0.0/8]\n", 1)
	cfg, err := configloader.NewFromBytes([]byte(withLegacy))
	if err != nil {
		t.Fatal(err)
	}
	m := BuildModel(cfg, Options{})
	if got := m.NodeIP.Values; len(got) != 1 || got[0] != "192.168.0.0/16" || !m.NodeIP.MultiDoc {
		t.Fatalf("node IP %v (multidoc %v), want KubeNodeConfig's [192.168.0.0/16]", got, m.NodeIP.MultiDoc)
	}
}

func mustLoad(t *testing.T, b []byte) config.Provider {
	t.Helper()
	cfg, err := configloader.NewFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var (
	benchOnce sync.Once
	benchCfgs [][]byte
)

// benchConfigs are 1,000 full configs, half shaped as Talos 1.13 writes
// them (all in v1alpha1), half as 1.14 does (the new documents).
func benchConfigs(b *testing.B) [][]byte {
	benchOnce.Do(func() {
		benchCfgs = append(fullConfigs(b, "v1.13.0", 500), fullConfigs(b, "v1.14.1", 500)...)
	})
	return benchCfgs
}

// BenchmarkLint1000 is `tailos check` on 1,000 full node configs (read,
// load, model, rules, cross-node rules, lines: lint.Run on a directory);
// compare with BenchmarkMachineryLoadValidate1000 on the same configs.
func BenchmarkLint1000(b *testing.B) { benchmarkRun(b, 1000) }

// BenchmarkMachineryLoadValidate1000 is `talosctl validate --mode metal`'s
// work on the same 1,000 configs: machinery's load and validation.
func BenchmarkMachineryLoadValidate1000(b *testing.B) {
	cfgs := benchConfigs(b)
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		for _, src := range cfgs {
			cfg, err := configloader.NewFromBytes(src)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := talosconf.Validate(cfg); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, cpu)
}
