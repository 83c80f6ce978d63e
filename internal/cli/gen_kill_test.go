package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// genSpec is a spec with n worker nodes besides one control plane.
func genSpec(n int, tag string) string {
	var b strings.Builder
	b.WriteString("cluster:\n  name: c\n  endpoint: https://192.168.1.10:6443\n  lanSubnets: [192.168.1.0/24]\n")
	b.WriteString("tailnet:\n  auth: {authKey: env:K}\n  tags: [tag:" + tag + "]\nnodes:\n  - {name: cp, role: controlplane, address: 192.168.1.2}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {name: w%d, role: worker, address: 192.168.1.%d}\n", i, 10+i)
	}
	return b.String()
}

// A gen killed (SIGKILL) at any moment while replacing an earlier output
// leaves a directory the next run takes over without --force, and that
// run's result is exactly its own set: the manifest lists the files on
// disk, no stage or temporary file is left.
func TestGenKilledMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tailos processes; skipped with -short")
	}
	dir := t.TempDir()
	old, next := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "next.yaml")
	for p, s := range map[string]string{old: genSpec(6, "old"), next: genSpec(3, "next")} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// How long a run takes, to spread the kills over it.
	cmd, stderr := startTailos(t, dir, nil, "gen", "-f", old, "-o", "probe")
	if code, _ := waitExit(t, cmd); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	start := time.Now()
	cmd, _ = startTailos(t, dir, nil, "gen", "-f", next, "-o", "probe")
	waitExit(t, cmd)
	took := time.Since(start)

	const runs = 16
	for i := 0; i < runs; i++ {
		out := filepath.Join(dir, fmt.Sprintf("out%d", i))
		cmd, stderr := startTailos(t, dir, nil, "gen", "-f", old, "-o", out)
		if code, _ := waitExit(t, cmd); code != 0 {
			t.Fatalf("gen: exit %d: %s", code, stderr)
		}
		cmd, _ = startTailos(t, dir, nil, "gen", "-f", next, "-o", out)
		// Most of a run is verification; the kills cluster where it writes.
		time.Sleep(took/2 + took*time.Duration(i)/(2*runs))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil { // our child, still unreaped
			t.Fatal(err)
		}
		waitExit(t, cmd)

		cmd, stderr = startTailos(t, dir, nil, "gen", "-f", next, "-o", out)
		if code, _ := waitExit(t, cmd); code != 0 {
			t.Fatalf("run %d: the run after a kill: exit %d: %s", i, code, stderr)
		}
		checkOutputIsSet(t, out, "next", 3)
	}
}

// checkOutputIsSet asserts dir holds exactly one gen set of the spec with
// the tag and workers, and that the manifest lists exactly those files.
func checkOutputIsSet(t *testing.T, dir, tag string, workers int) {
	t.Helper()
	var files []string
	if err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".tailos-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Files map[string]string }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var listed []string
	for p := range m.Files {
		listed = append(listed, p)
	}
	listed = append(listed, ".tailos-manifest.json")
	slices.Sort(files)
	slices.Sort(listed)
	if !slices.Equal(files, listed) {
		t.Fatalf("%s: files on disk %v, manifest %v", dir, files, listed)
	}
	nodes := 0
	for _, f := range files {
		if strings.HasPrefix(f, "nodes/") {
			nodes++
		}
	}
	if nodes != workers+1 {
		t.Errorf("%s: %d node patches, want %d", dir, nodes, workers+1)
	}
	policy, _ := os.ReadFile(filepath.Join(dir, "tailnet/policy.hujson"))
	if !strings.Contains(string(policy), "tag:"+tag) {
		t.Errorf("%s: the policy is not the %s spec's", dir, tag)
	}
}
