package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary run Main, so a test can signal a real
// tailos process it started.
const runMainEnv = "TAILOS_TEST_RUN_MAIN"

// startTailos starts the test binary as tailos with args in dir.
func startTailos(t testing.TB, dir string, stdin *os.File, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Stdin = stdin
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Only our own child, by the PID we started, if it is still running.
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait() // killed: the exit status says so
		}
	})
	return cmd, &stderr
}

// waitExit waits for cmd; a process that ignores the signal fails the
// test instead of hanging it.
func waitExit(t testing.TB, cmd *exec.Cmd) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), time.Since(start)
	case <-time.After(2 * time.Minute):
		t.Fatal("tailos ignored the signal")
	}
	return 0, 0
}

// SIGINT and SIGTERM stop a long check and a read that would block, with
// exit status 128+signal, instead of being ignored until the end.
func TestSignalsStopLongWork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tailos processes; skipped with -short")
	}
	dir := longCheckDir(t)
	// A pipe nobody writes to, as stdin.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()

	for _, tc := range []struct {
		name  string
		args  []string
		stdin *os.File
		sig   syscall.Signal
	}{
		{"long check, SIGTERM", []string{"check", "."}, nil, syscall.SIGTERM},
		{"long check, SIGINT", []string{"check", "-o", "json", "."}, nil, syscall.SIGINT},
		{"schematic id waiting on stdin, SIGTERM", []string{"schematic", "id", "-"}, pr, syscall.SIGTERM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, stderr := startTailos(t, dir, tc.stdin, tc.args...)
			time.Sleep(1500 * time.Millisecond)
			if exited(cmd.Process.Pid) {
				t.Fatal("finished before the signal; the test needs longer work")
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			code, took := waitExit(t, cmd)
			t.Logf("%s: exit %d, %v from signal to exit", tc.name, code, took)
			if code != 128+int(tc.sig) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, 128+int(tc.sig), stderr)
			}
			if !strings.Contains(stderr.String(), "interrupted by") {
				t.Errorf("stderr does not say it was interrupted:\n%s", stderr)
			}
		})
	}
}

// exited reports whether our child pid is a zombie (finished, not reaped).
func exited(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) STATE ...: comm may hold spaces, so cut at the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z'
}

// longCheckDir holds enough input that checking it takes far longer than
// the wait before a signal: 60 links to one 3 MiB patch.
func longCheckDir(t testing.TB) string {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("machine:\n  certSANs:\n")
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, "    - host%d.example.com\n", i)
	}
	first := filepath.Join(dir, "p00.yaml")
	if err := os.WriteFile(first, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 60; i++ {
		if err := os.Link(first, filepath.Join(dir, fmt.Sprintf("p%02d.yaml", i))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// BenchmarkCheckSIGTERMToExit measures how long a long check takes to exit
// after SIGTERM (reported as ms-to-exit): at most one file's work.
func BenchmarkCheckSIGTERMToExit(b *testing.B) {
	dir := longCheckDir(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		cmd, _ := startTailos(b, dir, nil, "check", ".")
		time.Sleep(time.Second)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			b.Fatal(err)
		}
		code, took := waitExit(b, cmd)
		if code != 143 {
			b.Fatalf("exit %d, want 143", code)
		}
		total += took
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-exit")
}
