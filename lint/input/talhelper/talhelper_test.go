package talhelper

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/lint/input"
)

func readString(t *testing.T, dir, src string, env map[string]string) (Cluster, error) {
	t.Helper()
	p := filepath.Join(dir, "talconfig.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	docs, err := input.ParseDocs([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(docs, Is)
	if i < 0 {
		t.Fatal("not recognised as a talconfig")
	}
	return Read(p, []byte(src), docs[i], env)
}

// Each node gets its role, its fields as the first patch, and the global,
// role and node patches in that order; a patch outside the tree or missing
// is skipped with the reason, a bundled "# file:" document stands in for a
// missing file, and an unreferenced one is noted.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "patches"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "patches", "global.yaml"), []byte("machine:\n  env:\n    K: ${K}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `clusterName: ${NAME}
talosVersion: v1.13.0
endpoint: https://192.168.1.50:6443
patches:
  - "@./patches/global.yaml"
  - "@../outside.yaml"
controlPlane:
  patches:
    - "@./patches/bundled.yaml"
nodes:
  - hostname: cp1
    controlPlane: true
    networkInterfaces:
      - interface: eth0
        addresses: [192.168.1.51/24]
    extensionServices:
      - name: tailscale
        environment: [TS_AUTH_ONCE=true]
    patches:
      - "@./patches/missing.yaml"
      - |-
        machine:
          sysctls: {a: "1"}
  - hostname: w1
---
# file: patches/bundled.yaml
machine:
  kubelet: {}
---
# file: patches/unused.yaml
machine: {}
`
	c, err := readString(t, dir, src, map[string]string{"K": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster != "talhelper" || c.Version != "v1.13.0" || c.TalosVersion != "v1.13.0" || len(c.Nodes) != 2 {
		t.Fatalf("cluster %q version %q/%q, %d nodes", c.Cluster, c.Version, c.TalosVersion, len(c.Nodes))
	}
	cp, w := c.Nodes[0], c.Nodes[1]
	if cp.Role != machine.TypeControlPlane || w.Role != machine.TypeWorker || cp.TailscaleServices != 1 {
		t.Errorf("roles %s %s, tailscale services %d", cp.Role, w.Role, cp.TailscaleServices)
	}
	for _, want := range []string{"hostname: cp1", "192.168.1.51/24", "kind: ExtensionServiceConfig", "TS_AUTH_ONCE=true", "image: factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.13.0"} {
		if !strings.Contains(string(cp.Fields), want) {
			t.Errorf("node fields lack %q:\n%s", want, cp.Fields)
		}
	}
	var got []string
	for _, p := range cp.Patches {
		switch {
		case p.Skipped != "":
			got = append(got, "skipped: "+p.Skipped[strings.Index(p.Skipped, "patch "):])
		case p.File != "":
			rel, _ := filepath.Rel(dir, p.File)
			got = append(got, "file "+rel+": "+strings.TrimSpace(string(p.Data)))
		default:
			got = append(got, "inline: "+strings.ReplaceAll(strings.TrimSpace(string(p.Data)), "\n", " "))
		}
	}
	want := []string{
		"file patches/global.yaml: machine:\n  env:\n    K: v",
		"skipped: patch ../outside.yaml is outside " + dir + ", skipped",
		"inline: machine:   kubelet: {}",
		"skipped: patch ./patches/missing.yaml not found, skipped",
		`inline: machine:   sysctls: {a: "1"}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("patches\n got %q\nwant %q", got, want)
	}
	if len(w.Patches) != 2 || w.Patches[0].File == "" {
		t.Errorf("worker patches %+v, want the two global ones", w.Patches)
	}
	if cp.Lines["machine.network.interfaces"] != 13 || cp.Lines["machine.install.image"] != 11 {
		t.Errorf("lines %v", cp.Lines)
	}
	if notes := strings.Join(c.Notes, "\n"); !strings.Contains(notes, "bundled document unused.yaml is not referenced") {
		t.Errorf("notes %q", notes)
	}
}

// An unsupported talosVersion renders on the stand-in base, with a note.
func TestReadUnsupportedVersion(t *testing.T) {
	c, err := readString(t, t.TempDir(), "clusterName: c\ntalosVersion: ${TALOS}\nnodes:\n  - hostname: a\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != input.StandInVersion || c.TalosVersion != "${TALOS}" || len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "not supported") {
		t.Fatalf("version %q (%q), notes %q", c.Version, c.TalosVersion, c.Notes)
	}
}

// Nested aliases cannot make the reader copy without bound.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("clusterName: c\nnodes: []\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	p := filepath.Join(t.TempDir(), "talconfig.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := input.ParseDocs(data)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = Read(p, data, docs[0], nil) // an error or no nodes; it must return
}
