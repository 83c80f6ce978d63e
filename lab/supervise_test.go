//go:build linux

package lab_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
)

// TestStartSupervises runs a lab the way `tailos lab up` does, from one
// call: Start re-executes this test binary as the supervisor (TestMain's
// lab.RunReexec), waits for the ready signal and returns the status; the
// lab then answers on its socket until a "down" request removes it.
func TestStartSupervises(t *testing.T) {
	needLab(t)
	dir := shortDir(t)
	track(dir, true)
	defer track(dir, false)
	t.Cleanup(func() { _ = lab.Teardown(context.Background(), dir) })
	// Cold, the supervisor builds Tailscale and Headscale first.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var steps []string
	st, err := lab.Start(ctx, lab.StartOptions{
		// The extension tests' Tailscale: one build serves both packages.
		Options: lab.Options{Dir: dir, Nodes: 1, Runtime: lab.RuntimeEmulated, Tailscale: "1.96.5",
			Progress: func(f string, a ...any) { steps = append(steps, f) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Nodes) != 1 || st.Dir != dir || len(steps) == 0 {
		t.Fatalf("status %+v, progress %q", st, steps)
	}
	pid, err := os.ReadFile(filepath.Join(dir, lab.ReadyFile))
	if err != nil || strings.TrimSpace(string(pid)) == "" {
		t.Fatalf("ready file: %q, %v", pid, err)
	}
	if _, err := lab.Start(ctx, lab.StartOptions{Options: lab.Options{Dir: dir}}); err == nil || !strings.Contains(err.Error(), "already holds a lab") {
		t.Errorf("second Start on a running lab: %v", err)
	}
	if _, err := lab.Call(ctx, dir, lab.Request{Op: "down"}); err != nil {
		t.Fatalf("down: %v", err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s still exists a minute after down", dir)
}

// A supervisor that fails leaves no lab directory and reports its log.
func TestStartReportsFailure(t *testing.T) {
	needLab(t)
	dir := shortDir(t)
	_, err := lab.Start(context.Background(), lab.StartOptions{
		Options: lab.Options{Dir: dir, Nodes: 1, Runtime: lab.RuntimeEmulated, Extension: filepath.Join(dir, "..", "no-such-extension")},
	})
	if err == nil || !strings.Contains(err.Error(), "did not come up") || !strings.Contains(err.Error(), "no-such-extension") {
		t.Fatalf("Start with a missing extension: %v", err)
	}
	if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Errorf("failed Start left %s behind (%v)", dir, serr)
	}
}
