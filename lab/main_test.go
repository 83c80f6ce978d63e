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

// live tracks the labs of this test binary so that an interrupt still
// removes them (t.Cleanup does not run on SIGINT).
var live = struct {
	sync.Mutex
	labs map[*lab.Lab]bool
}{labs: map[*lab.Lab]bool{}}

func TestMain(m *testing.M) {
	// Re-executed as a node's container init.
	if lab.IsContainerInit() {
		err := lab.RunContainerInit()
		fmt.Fprintln(os.Stderr, "container init:", err)
		os.Exit(127)
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigc
		live.Lock()
		for l := range live.labs {
			_ = l.Down(context.Background())
		}
		os.Exit(130)
	}()
	if os.Geteuid() == 0 && os.Getenv("TAILOS_LAB_SKIP_BUILD") == "" {
		// Build (or find cached) Headscale and the extension once per run.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		_, err := lab.Prepare(ctx, "", nil)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "preparing the lab binaries:", err)
			os.Exit(1)
		}
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
		o.Dir = t.TempDir() + "/lab"
	}
	o.Progress = func(f string, a ...any) { t.Logf(f, a...) }
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	l, err := lab.Up(ctx, o)
	if err != nil {
		t.Fatalf("lab up: %v", err)
	}
	t.Logf("lab %s up in %s", l.ID, time.Since(start).Round(10*time.Millisecond))
	live.Lock()
	live.labs[l] = true
	live.Unlock()
	t.Cleanup(func() {
		live.Lock()
		delete(live.labs, l)
		live.Unlock()
		if t.Failed() {
			for _, n := range l.Nodes {
				t.Logf("%s service log:\n%s", n.Name, lab.LogTail(n.LogPath(), 400))
			}
		}
		if err := l.Down(context.Background()); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}
