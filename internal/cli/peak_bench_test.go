package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tailos/tailos/internal/userfile"
)

// largestSpec is a spec of as many nodes as fit the spec size limit.
func largestSpec() string {
	var b strings.Builder
	b.WriteString("cluster:\n  name: big\n  endpoint: https://10.0.0.10:6443\n  lanSubnets: [10.0.0.0/16]\ntailnet:\n  auth: {authKey: env:TS_AUTHKEY}\nnodes:\n")
	for i := 0; ; i++ {
		role := "worker"
		if i < 3 {
			role = "controlplane"
		}
		l := fmt.Sprintf("  - {name: n%d, role: %s, address: 10.0.%d.%d}\n", i, role, (i+20)/250, (i+20)%250+1)
		if b.Len()+len(l) > userfile.SpecLimit {
			return b.String()
		}
		b.WriteString(l)
	}
}

// largestPatch is a patch as large as the config size limit allows.
func largestPatch() string {
	var b strings.Builder
	b.WriteString("machine:\n  certSANs:\n")
	for i := 0; ; i++ {
		l := fmt.Sprintf("    - host%d.example.com\n", i)
		if b.Len()+len(l) > userfile.ConfigLimit {
			return b.String()
		}
		b.WriteString(l)
	}
}

// benchPeakRSS runs tailos with args in dir b.N times and reports the
// child's peak resident set size.
func benchPeakRSS(b *testing.B, dir string, args ...string) {
	var peak int64
	for i := 0; i < b.N; i++ {
		cmd, stderr := startTailos(b, dir, nil, args...)
		if code, _ := waitExit(b, cmd); code != 0 {
			b.Fatalf("exit %d: %s", code, stderr)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss) // KiB on Linux
		}
	}
	b.ReportMetric(float64(peak)/1024, "peak-MiB")
}

// BenchmarkPeakRSSCheckLargest: check on the largest file it accepts.
func BenchmarkPeakRSSCheckLargest(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "patch.yaml"), []byte(largestPatch()), 0o644); err != nil {
		b.Fatal(err)
	}
	benchPeakRSS(b, dir, "check", "patch.yaml")
}

// BenchmarkPeakRSSGenLargest: gen on the largest spec it accepts (about
// 19,000 nodes; minutes per run, so use -benchtime 1x).
func BenchmarkPeakRSSGenLargest(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.yaml"), []byte(largestSpec()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		os.RemoveAll(filepath.Join(dir, "out"))
		benchPeakRSSOnce(b, dir, "gen", "-f", "spec.yaml", "-o", "out", "--store", filepath.Join(dir, "store"))
	}
}

func benchPeakRSSOnce(b *testing.B, dir string, args ...string) {
	cmd, stderr := startTailos(b, dir, nil, args...)
	// No time limit: the run is long by design.
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%v: %s", err, stderr)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MiB")
	}
}
