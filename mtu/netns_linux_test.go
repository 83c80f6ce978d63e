package mtu

import (
	"context"
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

	tailosnetns "github.com/tailos/tailos/internal/netns"
	"golang.org/x/sys/unix"
)

// Namespaces made by these tests are named nsPrefix-<pid>-<name>, so that
// a run can remove what an interrupted earlier run left behind.
const nsPrefix = "tailosmtu"

func TestMain(m *testing.M) {
	// On Ctrl-C, remove this process's namespaces before dying.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		removeNetns(func(pid int) bool { return pid == os.Getpid() })
		os.Exit(130)
	}()
	os.Exit(m.Run())
}

// needRoot skips a test that needs network namespaces when not root, and
// fails it instead under CI=true, where it must run.
func needRoot(t *testing.T) {
	t.Helper()
	var why string
	if os.Geteuid() != 0 {
		why = "needs root to create network namespaces"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "needs iproute2's ip command"
	}
	if why == "" {
		// Leftovers of runs that were killed outright.
		removeNetns(func(pid int) bool { return unix.Kill(pid, 0) == unix.ESRCH })
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true requires this test to run", why)
	}
	t.Skip(why)
}

func removeNetns(match func(pid int) bool) {
	names, _ := filepath.Glob("/var/run/netns/" + nsPrefix + "-*")
	for _, p := range names {
		name := filepath.Base(p)
		pid, err := strconv.Atoi(strings.Split(name, "-")[1])
		if err == nil && match(pid) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = exec.CommandContext(ctx, "ip", "netns", "del", name).Run()
			cancel()
		}
	}
}

// sh runs one command with a timeout and fails the test on error.
func sh(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// netns is a network namespace owned by one test.
type netns string

func newNetns(t *testing.T, name string) netns {
	t.Helper()
	n := netns(fmt.Sprintf("%s-%d-%s", nsPrefix, os.Getpid(), name))
	sh(t, "ip", "netns", "add", string(n))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "ip", "netns", "del", string(n)).CombinedOutput(); err != nil {
			t.Errorf("removing namespace %s: %v\n%s", n, err, out)
		}
	})
	n.ip(t, "link", "set", "lo", "up")
	return n
}

// ip runs `ip args...` inside the namespace.
func (n netns) ip(t *testing.T, args ...string) {
	t.Helper()
	sh(t, append([]string{"ip", "-n", string(n)}, args...)...)
}

func (n netns) sysctl(t *testing.T, key, value string) {
	t.Helper()
	sh(t, "ip", "netns", "exec", string(n), "sysctl", "-q", "-w", key+"="+value)
}

// do runs fn on this goroutine's OS thread switched into the namespace.
// Sockets fn creates stay in the namespace after it returns.
func (n netns) do(t *testing.T, fn func()) {
	t.Helper()
	leave, err := tailosnetns.Enter(tailosnetns.Path(string(n)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := leave(); err != nil {
			t.Error(err)
		}
	}()
	fn()
}

// veth joins a and b with a veth pair: interface an in a with address
// aAddr and MTU aMTU, bn in b with bAddr and bMTU.
func veth(t *testing.T, a netns, an, aAddr string, aMTU int, b netns, bn, bAddr string, bMTU int) {
	t.Helper()
	sh(t, "ip", "link", "add", an, "netns", string(a), "type", "veth", "peer", "name", bn, "netns", string(b))
	a.ip(t, "link", "set", an, "mtu", strconv.Itoa(aMTU), "up")
	b.ip(t, "link", "set", bn, "mtu", strconv.Itoa(bMTU), "up")
	a.ip(t, "addr", "add", aAddr, "dev", an)
	b.ip(t, "addr", "add", bAddr, "dev", bn)
}
