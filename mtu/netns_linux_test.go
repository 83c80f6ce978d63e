package mtu

import (
	"strconv"
	"testing"

	tailosnetns "github.com/tailos/tailos/internal/netns"
	"github.com/tailos/tailos/internal/netns/netnstest"
)

// Namespaces made by these tests are named nsPrefix-<pid>-…-<name>
// (netnstest).
const nsPrefix = "tailosmtu"

func TestMain(m *testing.M) { netnstest.Main(m, nsPrefix) }

// needRoot skips a test that needs network namespaces when not root, and
// fails it instead under CI=true, where it must run.
func needRoot(t *testing.T) { t.Helper(); netnstest.Need(t, nsPrefix) }

func sh(t *testing.T, args ...string) { t.Helper(); netnstest.Run(t, args...) }

// netns is a network namespace owned by one test.
type netns string

func newNetns(t *testing.T, name string) netns {
	t.Helper()
	return netns(netnstest.New(t, nsPrefix, name))
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
