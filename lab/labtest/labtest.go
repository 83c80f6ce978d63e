//go:build linux

// Package labtest runs the lab in tests of other packages: a TestMain that
// serves the lab's re-executions, builds its programs once and tears the
// test binary's labs down on an interrupt; the rule for skipping; and a
// lab that lives as long as its test.
package labtest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/tailnet"
)

// Main is a test binary's TestMain: call it as labtest.Main(m).
func Main(m *testing.M) {
	lab.RunReexec()
	// t.Cleanup does not run on SIGINT: the labs under this binary's root
	// are torn down from their state instead.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigc
		teardownAll(root())
		os.Exit(130)
	}()
	if err := lab.PrepareForTests(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(root())
	os.Exit(code)
}

// root holds this test binary's lab directories. Named by the PID, it
// needs no state shared between Main and Up, and is short: unix socket
// paths under it must stay within 107 bytes, which t.TempDir's may not.
func root() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("tailos-lab-%d", os.Getpid()))
}

func teardownAll(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = lab.Teardown(context.Background(), filepath.Join(dir, e.Name(), "lab"))
	}
}

// Need skips t without root or /dev/net/tun, except under CI=true, where
// the lab must run.
func Need(t testing.TB) {
	t.Helper()
	var why string
	if os.Geteuid() != 0 {
		why = "root"
	} else if _, err := os.Stat(tailscaleext.TUN); err != nil {
		why = tailscaleext.TUN
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test runs the lab, which needs %s (network namespaces, mounts, TUN), and CI=true forbids skipping it", why)
	}
	t.Skipf("this test runs the lab, which needs %s (network namespaces, mounts, TUN)", why)
}

// Dir is a new, short lab directory for t, removed when t ends.
func Dir(t testing.TB) string {
	t.Helper()
	if err := os.MkdirAll(root(), 0o700); err != nil {
		t.Fatal(err)
	}
	d, err := os.MkdirTemp(root(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return filepath.Join(d, "lab")
}

// Up starts a lab for t (after Need) and takes it down when t ends. An
// empty o.Dir is Dir(t); a nil o.Progress logs to t. timeout bounds the
// start, a cold build of the lab's programs excluded (Main does that).
func Up(t *testing.T, o lab.Options, timeout time.Duration) *lab.Lab {
	t.Helper()
	Need(t)
	if o.Dir == "" {
		o.Dir = Dir(t)
	}
	if o.Progress == nil {
		o.Progress = func(f string, a ...any) { t.Logf(f, a...) }
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	l, err := lab.Up(ctx, o)
	if err != nil {
		if l != nil {
			_ = l.Down(context.Background())
		}
		t.Fatalf("lab up: %v", err)
	}
	t.Logf("lab up in %s", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := l.Down(context.Background()); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}

// TalosClient is the lab's Talos API client for every node, closed when t
// ends.
func TalosClient(t testing.TB, l *lab.Lab) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := l.TalosClient(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TailnetAPI is the lab's Headscale API client (lab.Lab.TailnetAPI) with a
// key valid for an hour, its connections closed when t ends.
func TailnetAPI(t testing.TB, l *lab.Lab) *tailnet.Headscale {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api, err := l.TailnetAPI(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.HTTP.CloseIdleConnections)
	return api
}
