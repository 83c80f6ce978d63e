//go:build linux

package lab_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tailos/tailos/lab"
)

// The container gets the environment as Talos builds it — the spec's own
// first, the ExtensionServiceConfig's after — and, as runc dedups it, the
// last occurrence wins: a TS_STATE_DIR given after the spec's moves the
// state off /var/lib/tailscale (the trap behind TS020 and TS131). Emulated
// runtime: it checks the lab's own runner; TestTalosExtensionServiceConfigSemantics
// proves the same order on real Talos.
func TestEmulatedEnvironmentLastWins(t *testing.T) {
	l := up(t, lab.Options{Nodes: 1, Runtime: lab.RuntimeEmulated, ExtraEnv: []string{"TS_STATE_DIR=/tmp/elsewhere"}})
	pid := l.Nodes[0].Service.State().PID
	if pid == 0 {
		t.Fatal("no service PID")
	}
	// nsenter exec'd the container init, which exec'd containerboot.
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range bytes.Split(environ, []byte{0}) {
		if v, ok := strings.CutPrefix(string(e), "TS_STATE_DIR="); ok {
			dirs = append(dirs, v)
		}
	}
	if !slices.Equal(dirs, []string{"/tmp/elsewhere"}) {
		t.Errorf("containerboot's TS_STATE_DIR entries %q, want only the later one", dirs)
	}
	cmd := tailscaledCmdline(t, pid)
	if !strings.Contains(cmd, "--statedir=/tmp/elsewhere") {
		t.Errorf("tailscaled %q, want --statedir=/tmp/elsewhere (the last occurrence)", cmd)
	}
	if _, err := os.Stat(filepath.Join(l.Nodes[0].StateDir(), "tailscaled.state")); err == nil {
		t.Error("state still in the node's /var/lib/tailscale; the override should have moved it")
	}
}

// tailscaledCmdline finds the service's tailscaled: containerboot's child,
// whether containerboot is the service process itself or the child of the
// extension's MSS clamp entrypoint (on subnet routers and exit nodes).
func tailscaledCmdline(t *testing.T, service int) string {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	under := func(pid int) bool {
		for depth := 0; depth < 3 && pid > 1; depth++ {
			if pid = parent[pid]; pid == service {
				return true
			}
		}
		return false
	}
	for pid := range parent {
		if !under(pid) {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if s := strings.ReplaceAll(string(cmd), "\x00", " "); strings.HasPrefix(s, "tailscaled") {
			return s
		}
	}
	t.Fatal("no tailscaled under the service")
	return ""
}
