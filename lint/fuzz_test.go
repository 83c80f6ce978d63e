package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tailos/tailos/rules"
)

// FuzzLoad feeds arbitrary bytes through the whole loading path — format
// detection, talhelper rendering, patching, model, rules, lines, fix — which
// must return an error or findings, never panic.
func FuzzLoad(f *testing.F) {
	// A corpus of real-world configs can be mixed in with TAILOS_CORPUS=dir.
	if dir := os.Getenv("TAILOS_CORPUS"); dir != "" {
		seeds, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, s := range seeds {
			if b, err := os.ReadFile(s); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	l := NewLoader(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		units, err := l.Load("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, u := range units {
			m := BuildModel(u.Config, Options{File: u.File, Source: u.Source, Partial: u.Partial, Schematics: u.Schematics})
			fs := Check(m, u.Source)
			if fs == nil {
				t.Fatal("nil findings")
			}
			if _, err := BuildFix(m, fs); err != nil {
				t.Fatal(err)
			}
			_ = rules.Mask(string(data))
		}
	})
}

var fuzzSeeds = []string{
	"apiVersion: config.talstomize.dev/v1alpha1\nkind: Talstomize\nclusterName: c\ncontrolPlaneEndpoint: https://10.5.0.2:6443\nnodes:\n  a:\n    kind: controlplane\n    patches:\n      - machine: {}\n      - |\n        machine:\n          sysctls: {a: b}\n",
	"clusterName: c\nclusterEndpoint: https://10.5.0.2:6443\nkubernetesVersion: 1.35.0\nschematicId: x\nnodes:\n  - host: a\n    role: worker\n",
	"clusterName: c\nnodes:\n  - hostname: a\n    schematic: &s {customization: {}}\n  - hostname: b\n    schematic: *s\n",
	"machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [0.0.0.0/0]\n",
	`[{"op":"add","path":"/machine/certSANs","value":["a"]}]`,
	"clusterName: c\nnodes:\n  - hostname: a\n    controlPlane: true\n    schematic:\n      customization:\n        systemExtensions:\n          officialExtensions: [siderolabs/tailscale]\n    extensionServices:\n      - name: tailscale\n        environment: [TS_AUTHKEY=x]\n",
	"apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=tskey-client-x?ephemeral=true\n  - TS_EXTRA_ARGS=--authkey=y --accept-routes --advertise-tags=tag:1 --hostname=a_b\n  - TS_ROUTES=10.0.0.1/8,::/0\n  - TS_DEBUG_MTU=99999\n  - TS_TAILSCALED_EXTRA_ARGS=--port=51820 --state=mem:\n---\nmachine:\n  network:\n    kubespan:\n      enabled: true\n    interfaces:\n      - interface: eth0\n        addresses: [192.168.1.2/24]\n        mtu: 1400\n",
	"apiVersion: v1alpha1\nkind: KubeNodeConfig\nnodeIP:\n  validSubnets: [100.64.0.0/10]\n---\napiVersion: v1alpha1\nkind: SysctlConfig\nparams:\n  net.ipv4.ip_forward: \"0\"\n",
	"machine:\n  files:\n    - path: /var/etc/tailscale/auth.env\n      op: create\n      permissions: 0o600\n      content: TS_AUTHKEY=x\n  install:\n    extensions:\n      - image: ghcr.io/siderolabs/tailscale:1\n",
}
