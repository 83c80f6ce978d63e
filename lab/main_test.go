//go:build linux

package lab_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
)

// live tracks the lab directories of this test binary so that an
// interrupt still removes their labs, half-started ones included (t.Cleanup
// does not run on SIGINT).
var live = struct {
	sync.Mutex
	dirs map[string]bool
}{dirs: map[string]bool{}}

func TestMain(m *testing.M) {
	lab.RunReexec()
	if dir := os.Getenv(supervisorEnv); dir != "" {
		err := runTestSupervisor(dir)
		fmt.Fprintln(os.Stderr, "test supervisor:", err)
		os.Exit(1)
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigc
		live.Lock()
		for d := range live.dirs {
			_ = lab.Teardown(context.Background(), d)
		}
		os.Exit(130)
	}()
	if err := lab.PrepareForTests(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// needLab skips without root, except under CI where the lab must run.
func needLab(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("lab tests need root (network namespaces, mounts, /dev/net/tun) and CI=true forbids skipping them")
		}
		t.Skip("lab tests need root (network namespaces, mounts, /dev/net/tun)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("lab tests need /dev/net/tun: %v", err)
		}
		t.Skipf("lab tests need /dev/net/tun: %v", err)
	}
}

// shortDir is a fresh directory with a short path: unix socket paths
// under it must stay within 107 bytes, which t.TempDir's may not.
func shortDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "tl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d + "/lab"
}

func track(dir string, on bool) {
	live.Lock()
	defer live.Unlock()
	if on {
		live.dirs[dir] = true
	} else {
		delete(live.dirs, dir)
	}
}

func labAllowed() bool {
	if os.Geteuid() != 0 {
		return false
	}
	_, err := os.Stat("/dev/net/tun")
	return err == nil
}

// up starts a lab that is removed when the test ends, however it ends.
func up(t *testing.T, o lab.Options) *lab.Lab {
	t.Helper()
	needLab(t)
	if o.Dir == "" {
		o.Dir = shortDir(t)
	}
	o.Progress = func(f string, a ...any) { t.Logf(f, a...) }
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	track(o.Dir, true)
	l, err := lab.Up(ctx, o)
	if err != nil {
		t.Fatalf("lab up: %v", err)
	}
	t.Logf("lab %s up in %s", l.ID, time.Since(start).Round(10*time.Millisecond))
	t.Cleanup(func() {
		defer track(o.Dir, false)
		if t.Failed() {
			for _, n := range l.Nodes {
				// Talos runtime: `talosctl logs ext-tailscale` through the API.
				log, err := l.ServiceLog(context.Background(), n.Name)
				if err != nil {
					log += "\n(" + err.Error() + ")"
				}
				t.Logf("%s service log:\n%s", n.Name, tailLines(log, 400))
			}
		}
		if err := l.Down(context.Background()); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}
