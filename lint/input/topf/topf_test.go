package topf

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/lint/input"
)

func readProject(t *testing.T, file string, env map[string]string) input.Project {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := input.ParseDocs(data)
	if err != nil || len(docs) != 1 {
		t.Fatalf("%s: %v", file, err)
	}
	if !Is(file, docs[0]) {
		t.Fatalf("%s is not recognised as a topf.yaml", file)
	}
	p, err := Read(file, data, docs[0], env)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// topf's example project (lint/testdata/tools/TAILOS.md): every node gets
// topf's default installer for the empty schematic at talosVersion, and
// the patches of all/, its role's folder and node/<host>/, in that order.
func TestReadExample(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "tools", "topf-example")
	p := readProject(t, filepath.Join(dir, "topf.yaml"), nil)
	if p.Tool != "topf" || p.Version != "v1.13.3" || p.Cluster != "my-cluster" || p.Endpoint != "https://192.168.1.80:6443" {
		t.Fatalf("project %s %s %s %s", p.Tool, p.Version, p.Cluster, p.Endpoint)
	}
	all := []string{"all/00-install-disk.yaml", "all/01-base.yaml.tpl", "all/05-hostname.yaml.tpl", "all/09-logging.yaml.tpl", "all/10-registry.yaml.tpl", "all/20-tailscale.yaml.tpl"}
	for _, tc := range []struct {
		node    string
		role    machine.Type
		line    int
		patches []string
	}{
		{"node1", machine.TypeControlPlane, 12, append(slices.Clone(all), "control-plane/01-base.yaml")},
		{"node4", machine.TypeWorker, 21, all},
		{"node5", machine.TypeWorker, 24, append(slices.Clone(all), "node/node5/00-local-storage.yaml.tpl")},
	} {
		t.Run(tc.node, func(t *testing.T) {
			i := slices.IndexFunc(p.Nodes, func(n input.Node) bool { return n.Name == tc.node })
			if i < 0 {
				t.Fatalf("no node %s in %d nodes", tc.node, len(p.Nodes))
			}
			n := p.Nodes[i]
			if want := "factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.13.3"; n.Role != tc.role || n.Image != want {
				t.Errorf("role %s image %s, want %s %s", n.Role, n.Image, tc.role, want)
			}
			if n.Lines["machine.install.image"] != tc.line {
				t.Errorf("image line %d, want %d (the node's entry)", n.Lines["machine.install.image"], tc.line)
			}
			var got []string
			for _, s := range n.Patches {
				rel, _ := filepath.Rel(dir, s.File)
				got = append(got, filepath.ToSlash(rel))
			}
			if !slices.Equal(got, tc.patches) {
				t.Errorf("patches\n got %v\nwant %v", got, tc.patches)
			}
		})
	}
}

// Templates render with the node's data; `env` answers from the given
// values only, and an unset variable stays a ${VAR} reference.
func TestReadTemplates(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"topf.yaml":         "clusterName: c\nclusterEndpoint: https://10.0.0.1:6443\nkubernetesVersion: 1.35.0\ntalosVersion: 1.14.1\nnodes:\n  - {host: n1, ip: 10.0.0.2, role: worker, data: {disk: /dev/vdb}}\n",
		"all/a.yaml.tpl":    "machine:\n  install:\n    disk: {{ .Node.Data.disk }}\n",
		"all/b.yaml.tpl":    "machine:\n  env:\n    KEY: {{ env \"TS_AUTHKEY\" }}\n    OTHER: {{ env \"UNSET\" }}\n",
		"all/empty.yaml":    "# nothing\n{}\n",
		"worker/sops.yaml":  "machine: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.9.0\n",
		"control-plane/x.y": "not a patch name\n",
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := readProject(t, filepath.Join(dir, "topf.yaml"), map[string]string{"TS_AUTHKEY": "tskey-auth-x"})
	if len(p.Nodes) != 1 || len(p.Nodes[0].Patches) != 2 {
		t.Fatalf("nodes %+v", p.Nodes)
	}
	var a, b map[string]any
	if err := yaml.Unmarshal(p.Nodes[0].Patches[0].Data, &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(p.Nodes[0].Patches[1].Data, &b); err != nil {
		t.Fatal(err)
	}
	if disk := a["machine"].(map[string]any)["install"].(map[string]any)["disk"]; disk != "/dev/vdb" {
		t.Errorf("disk %v", disk)
	}
	env := b["machine"].(map[string]any)["env"].(map[string]any)
	if env["KEY"] != "tskey-auth-x" || env["OTHER"] != "${UNSET}" {
		t.Errorf("env %v", env)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "sops.yaml: SOPS-encrypted patch not decrypted") {
		t.Errorf("notes %q, want one about the SOPS patch", p.Notes)
	}
}

func TestIs(t *testing.T) {
	for _, tc := range []struct {
		file, src string
		want      bool
	}{
		{"topf.yaml", "nodes: []\n", true},
		{"cluster.yaml", "clusterEndpoint: x\nkubernetesVersion: 1.35.0\nnodes: []\n", true},
		{"cluster.yaml", "clusterName: x\nnodes: []\n", false},
		{"topf.yaml", "clusterName: x\n", false},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.src), &n); err != nil {
			t.Fatal(err)
		}
		if got := Is(tc.file, n.Content[0]); got != tc.want {
			t.Errorf("Is(%s, %q) = %v", tc.file, tc.src, got)
		}
	}
}
