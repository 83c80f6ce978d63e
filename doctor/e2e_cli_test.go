//go:build linux

package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/labtest"
)

// buildTailos builds the tailos binary from this module.
func buildTailos(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tailos")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tailos")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tailos: %v\n%s", err, out)
	}
	return bin
}

// cliRun is one run of the tailos binary.
type cliRun struct {
	code           int
	stdout, stderr string
}

// tailos runs the binary in the lab bridge's network namespace (where the
// lab's Talos endpoints and Headscale are reachable), as a user on that
// network would, with the lab's talosconfig and Headscale credentials from
// a file.
func (tl *talosLab) tailos(t *testing.T, bin string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append([]string{"--net=" + lab.NetnsPath(tl.Headscale.Netns), "--", bin}, args...)
	cmd := exec.CommandContext(ctx, "nsenter", argv...)
	// The binary must not find a talosconfig or a key by accident.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("tailos %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("tailos %s: exit %d in %s\nstderr:\n%s", strings.Join(args, " "), code, took.Round(time.Millisecond), stderr.String())
	return cliRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// jsonReport is the shape `tailos doctor -o json` promises, decoded
// strictly: a field it does not name is an error.
type jsonReport struct {
	Nodes []struct {
		Node     string `json:"node"`
		Hostname string `json:"hostname"`
		Error    string `json:"error"`
		Checks   []struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Message string `json:"message"`
			Remedy  string `json:"remedy"`
		} `json:"checks"`
	} `json:"nodes"`
	Summary struct {
		OK          *int `json:"ok"`
		Warn        *int `json:"warn"`
		Fail        *int `json:"fail"`
		Unknown     *int `json:"unknown"`
		Unreachable *int `json:"unreachable"`
	} `json:"summary"`
}

func decodeReport(t *testing.T, out string) jsonReport {
	t.Helper()
	var r jsonReport
	d := json.NewDecoder(strings.NewReader(out))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, out)
	}
	s := r.Summary
	if s.OK == nil || s.Warn == nil || s.Fail == nil || s.Unknown == nil {
		t.Fatalf("summary lacks ok/warn/fail/unknown: %s", out)
	}
	counts := map[string]int{}
	for _, n := range r.Nodes {
		for _, c := range n.Checks {
			if c.ID == "" || c.Message == "" {
				t.Errorf("%s: a check without id or message: %+v", n.Node, c)
			}
			switch c.Status {
			case "ok", "warn", "fail", "unknown":
				counts[c.Status]++
			default:
				t.Errorf("%s: %s has status %q", n.Node, c.ID, c.Status)
			}
		}
	}
	if counts["ok"] != *s.OK || counts["warn"] != *s.Warn || counts["fail"] != *s.Fail || counts["unknown"] != *s.Unknown {
		t.Errorf("summary %+v does not count the checks %v", s, counts)
	}
	return r
}

func (r jsonReport) status(node, id string) string {
	for _, n := range r.Nodes {
		if n.Node != node {
			continue
		}
		for _, c := range n.Checks {
			if c.ID == id {
				return c.Status
			}
		}
	}
	return "missing"
}

// builtinSpecFile writes the lab's built-in spec for n nodes to a file,
// for doctor's -f.
func builtinSpecFile(t *testing.T, nodes int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tailos.yaml")
	if err := os.WriteFile(p, lab.BuiltinSpec(nodes, 1500, "auto", true), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The real `tailos doctor` binary against the lab: the lab's talosconfig,
// -e the control plane (a worker's apid does not forward), -n two nodes, -f the lab's spec, -o json,
// Headscale credentials from a file. Exit 0 on healthy nodes, 1 with
// ext-tailscale stopped on one of them, 2 when no node can be reached; then
// --cleanup-duplicates lists a wiped node's stale device and --yes deletes
// exactly it.
//
// The checked nodes are workers booted from machinery's worker config:
// every lab control plane fails config.TS061 because the lab must drop
// cluster.etcd (etcd cannot run here), so no control plane can be all ok.
func TestE2ECLI(t *testing.T) {
	labtest.Need(t) // before the build: a skipped test need not compile tailos
	bin := buildTailos(t)
	specPath := builtinSpecFile(t, 3)
	tl := upTalosLab(t, lab.Options{SpecFile: specPath, WorkerConfigs: true})
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "hs.key")
	if err := os.WriteFile(keyFile, []byte(tl.api.APIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n2, n3 := tl.nodes[1], tl.nodes[2]
	tailnetFlags := []string{"--tailnet", "headscale", "--tailnet-url", tl.Headscale.URL, "--tailnet-ca", tl.Headscale.CA, "--tailnet-key", "file:" + keyFile}
	doctorArgs := func(extra ...string) []string {
		a := []string{"doctor", "--talosconfig", tl.TalosconfigPath(), "-e", tl.nodes[0], "-n", n2 + "," + n3, "-f", specPath, "-o", "json"}
		return append(append(a, tailnetFlags...), extra...)
	}
	noKey := func(r cliRun) {
		t.Helper()
		if strings.Contains(r.stdout+r.stderr, tl.api.APIKey) || strings.Contains(r.stdout+r.stderr, tl.AuthKey) {
			t.Error("the output holds a key")
		}
	}

	t.Run("healthy: exit 0", func(t *testing.T) {
		var r cliRun
		for end := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Second) {
			r = tl.tailos(t, bin, doctorArgs()...)
			if r.code == 0 || time.Now().After(end) {
				break
			}
		}
		noKey(r)
		if r.code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", r.code, r.stdout)
		}
		rep := decodeReport(t, r.stdout)
		if len(rep.Nodes) != 2 || rep.Nodes[0].Node != n2 || rep.Nodes[1].Node != n3 {
			t.Fatalf("nodes %+v, want %s and %s in order", rep.Nodes, n2, n3)
		}
		for _, n := range rep.Nodes {
			if n.Hostname == "" || len(n.Checks) < 15 {
				t.Errorf("%s: hostname %q, %d checks", n.Node, n.Hostname, len(n.Checks))
			}
			if st := rep.status(n.Node, doctor.IDDevice); st != "ok" {
				t.Errorf("%s: %s is %s: the Headscale credentials from the file were not used", n.Node, doctor.IDDevice, st)
			}
		}
		if *rep.Summary.Fail != 0 {
			t.Errorf("summary %+v", rep.Summary)
		}
	})

	t.Run("a fault: exit 1", func(t *testing.T) {
		c, err := tl.TalosClient(ctx, "node-3")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.ServiceStop(ctx, doctor.ServiceID); err != nil {
			t.Fatal(err)
		}
		var r cliRun
		for end := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Second) {
			r = tl.tailos(t, bin, doctorArgs()...)
			if r.code != 0 || time.Now().After(end) {
				break
			}
		}
		noKey(r)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1:\n%s", r.code, r.stdout)
		}
		rep := decodeReport(t, r.stdout)
		if st := rep.status(n3, doctor.IDService); st != "fail" {
			t.Errorf("%s: %s is %s, want fail", n3, doctor.IDService, st)
		}
		if st := rep.status(n2, doctor.IDService); st != "ok" {
			t.Errorf("%s: %s is %s, want ok", n2, doctor.IDService, st)
		}
		if _, err := c.ServiceStart(ctx, doctor.ServiceID); err != nil {
			t.Fatal(err)
		}
		if err := tl.WaitRunning(ctx, "node-3", time.Minute); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("nothing reachable: exit 2", func(t *testing.T) {
		r := tl.tailos(t, bin, "doctor", "--talosconfig", tl.TalosconfigPath(), "-e", tl.nodes[0], "-n", "198.18.0.250,nosuchnode", "--timeout", "10s", "-o", "json")
		if r.code != 2 {
			t.Fatalf("exit %d, want 2:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		rep := decodeReport(t, r.stdout)
		if len(rep.Nodes) != 2 || rep.Summary.Unreachable == nil || *rep.Summary.Unreachable != 2 {
			t.Fatalf("report %+v, want 2 unreachable nodes", rep)
		}
		for _, n := range rep.Nodes {
			if n.Error == "" || len(n.Checks) != 0 {
				t.Errorf("%s: error %q, %d checks", n.Node, n.Error, len(n.Checks))
			}
			if !strings.Contains(r.stderr, "doctor: "+n.Node+": ") {
				t.Errorf("stderr does not name %s:\n%s", n.Node, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "-----BEGIN") {
			t.Errorf("stderr has a stack trace or a certificate:\n%s", r.stderr)
		}
	})

	t.Run("cleanup duplicates: dry run, then --yes", func(t *testing.T) {
		before, err := tl.api.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tl.Wipe(ctx, "node-2"); err != nil {
			t.Fatal(err)
		}
		if err := tl.WaitRunning(ctx, "node-2", 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		var stale string // the wiped node's old registration
		for _, d := range before {
			if d.Hostname == "node-2" || d.Name == "node-2" {
				stale = d.ID
			}
		}
		if stale == "" {
			t.Fatalf("node-2 had no device before the wipe: %+v", before)
		}
		var dry cliRun
		for end := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Second) {
			dry = tl.tailos(t, bin, doctorArgs("--cleanup-duplicates")...)
			if strings.Contains(dry.stderr, "dry run: 1 device(s)") || time.Now().After(end) {
				break
			}
		}
		noKey(dry)
		if !strings.Contains(dry.stderr, "(id "+stale+",") || !strings.Contains(dry.stderr, "dry run: 1 device(s) would be deleted") {
			t.Fatalf("dry run does not list exactly device %s:\n%s", stale, dry.stderr)
		}
		if rep := decodeReport(t, dry.stdout); rep.status(n2, doctor.IDDuplicates) != "warn" {
			t.Errorf("%s: %s is %s, want warn", n2, doctor.IDDuplicates, rep.status(n2, doctor.IDDuplicates))
		}
		mid, err := tl.api.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(mid) != len(before)+1 {
			t.Fatalf("the dry run changed the tailnet: %d devices before the wipe, %d after the dry run, want %d", len(before), len(mid), len(before)+1)
		}

		yes := tl.tailos(t, bin, doctorArgs("--cleanup-duplicates", "--yes")...)
		noKey(yes)
		if !strings.Contains(yes.stderr, "(id "+stale+")") || strings.Count(yes.stderr, "deleted ") != 1 {
			t.Fatalf("--yes did not delete exactly device %s:\n%s", stale, yes.stderr)
		}
		after, err := tl.api.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(mid)-1 {
			t.Errorf("%d devices after --yes, want %d", len(after), len(mid)-1)
		}
		for _, d := range after {
			if d.ID == stale {
				t.Errorf("device %s survived --yes", stale)
			}
		}
		r := tl.tailos(t, bin, doctorArgs()...)
		rep := decodeReport(t, r.stdout)
		for _, n := range []string{n2, n3} {
			if rep.status(n, doctor.IDDuplicates) != "ok" || rep.status(n, doctor.IDDevice) != "ok" {
				t.Errorf("%s after cleanup: duplicates %s, device %s", n, rep.status(n, doctor.IDDuplicates), rep.status(n, doctor.IDDevice))
			}
		}
		if r.code != 0 {
			t.Errorf("exit %d after cleanup, want 0", r.code)
		}
	})
}
