//go:build linux

// Package netnstest makes named network namespaces for tests, as
// `ip netns add` does. Their names carry a prefix and the test binary's
// PID (prefix-PID-...), so that an interrupted binary removes its own and
// the next run removes those a killed one left behind.
package netnstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tailos/tailos/internal/netns"
)

// Main is TestMain for a package whose namespaces carry prefix: on SIGINT
// or SIGTERM it removes this binary's before exiting.
func Main(m *testing.M, prefix string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		remove(prefix, func(pid int) bool { return pid == os.Getpid() })
		os.Exit(130)
	}()
	os.Exit(m.Run())
}

// Need skips t without root or iproute2's ip (and fails it under CI=true,
// where it must run), then removes the namespaces of prefix whose binary
// is gone.
func Need(t testing.TB, prefix string) {
	t.Helper()
	var why string
	if os.Geteuid() != 0 {
		why = "needs root to create network namespaces"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "needs iproute2's ip command"
	}
	if why == "" {
		remove(prefix, func(pid int) bool { return unix.Kill(pid, 0) == unix.ESRCH })
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true requires this test to run", why)
	}
	t.Skip(why)
}

// New adds a namespace named prefix-PID-RANDOM-name with its loopback up,
// and deletes it when t ends.
func New(t testing.TB, prefix, name string) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("%s-%d-%s-%s", prefix, os.Getpid(), hex.EncodeToString(b[:]), name)
	Run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("removing namespace %s: %v\n%s", ns, err, out)
		}
	})
	Run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	return ns
}

// Run runs a command (ip, sysctl under `ip netns exec`) for at most 10 s
// and fails t if it fails.
func Run(t testing.TB, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func remove(prefix string, match func(pid int) bool) {
	names, _ := filepath.Glob(netns.Path(prefix + "-*"))
	for _, p := range names {
		name := filepath.Base(p)
		pid, err := strconv.Atoi(strings.Split(strings.TrimPrefix(name, prefix+"-"), "-")[0])
		if err == nil && match(pid) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = exec.CommandContext(ctx, "ip", "netns", "del", name).Run()
			cancel()
		}
	}
}
