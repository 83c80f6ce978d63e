package mssclamp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/tailos/tailos/internal/netns"
	"github.com/tailos/tailos/internal/netns/netnstest"
	"github.com/tailos/tailos/internal/tcpsyn"
)

// Namespaces made by these tests are named nsPrefix-<pid>-…-<role>
// (netnstest).
const nsPrefix = "tailosmss"

func TestMain(m *testing.M) { netnstest.Main(m, nsPrefix) }

func needRoot(t testing.TB) { t.Helper(); netnstest.Need(t, nsPrefix) }

func run(t testing.TB, args ...string) { t.Helper(); netnstest.Run(t, args...) }

// inNetns runs fn on an OS thread inside the named namespace; sockets fn
// opens stay there.
func inNetns(name string, fn func() error) error {
	return netns.Do(netns.Path(name), fn)
}

// topo is LAN host — router — tailnet peer. The router's link to the peer is
// a veth named tailscale0 with the tunnel's MTU (the peer's end keeps 1500,
// so the peer's own SYNs advertise 1460 and only the clamp can lower them).
type topo struct {
	lan, rtr, peer string
	rtrFd          int
}

const (
	lanAddr  = "198.18.1.2"
	peerAddr = "198.18.2.2"
)

func newTopo(t testing.TB, tunMTU int) *topo {
	t.Helper()
	needRoot(t)
	tp := &topo{lan: netnstest.New(t, nsPrefix, "lan"), rtr: netnstest.New(t, nsPrefix, "rtr"), peer: netnstest.New(t, nsPrefix, "peer")}
	run(t, "ip", "-n", tp.lan, "link", "add", "eth0", "mtu", "1500", "type", "veth", "peer", "name", "lan0", "netns", tp.rtr)
	run(t, "ip", "-n", tp.lan, "addr", "add", lanAddr+"/24", "dev", "eth0")
	run(t, "ip", "-n", tp.lan, "link", "set", "eth0", "up")
	run(t, "ip", "-n", tp.lan, "route", "add", "default", "via", "198.18.1.1")
	run(t, "ip", "-n", tp.rtr, "addr", "add", "198.18.1.1/24", "dev", "lan0")
	run(t, "ip", "-n", tp.rtr, "link", "set", "lan0", "up")
	tp.addTunnel(t, tunMTU)
	run(t, "ip", "netns", "exec", tp.rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	f, err := os.Open("/run/netns/" + tp.rtr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tp.rtrFd = int(f.Fd())
	return tp
}

// addTunnel (re)creates tailscale0 the way tailscaled does on restart: a
// new interface with a new index.
func (tp *topo) addTunnel(t testing.TB, mtu int) {
	t.Helper()
	run(t, "ip", "-n", tp.rtr, "link", "add", DefaultInterface, "mtu", strconv.Itoa(mtu), "type", "veth", "peer", "name", "eth0", "netns", tp.peer)
	run(t, "ip", "-n", tp.rtr, "addr", "add", "198.18.2.1/24", "dev", DefaultInterface)
	run(t, "ip", "-n", tp.rtr, "link", "set", DefaultInterface, "up")
	run(t, "ip", "-n", tp.peer, "addr", "add", peerAddr+"/24", "dev", "eth0")
	run(t, "ip", "-n", tp.peer, "link", "set", "eth0", "up")
	run(t, "ip", "-n", tp.peer, "route", "add", "default", "via", "198.18.2.1")
}

func (tp *topo) rules() *Rules { return &Rules{NetNS: tp.rtrFd} }

// startClamp runs the clamp in the router's namespace; stop ends it and
// returns Run's error.
func (tp *topo) startClamp(t testing.TB, mode Mode) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Mode: mode, NetNS: tp.rtrFd, Logf: t.Logf}) }()
	stopped := false
	var err error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("clamp did not stop within 10s")
			}
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitRules polls until the router's clamp rules all carry mss (v4) and
// mss-20 (v6), four rules in all; mss 0 waits for no table.
func (tp *topo) waitRules(t testing.TB, mss uint16) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got []Installed
	var err error
	for time.Now().Before(deadline) {
		got, err = tp.rules().List()
		if err == nil && rulesAre(got, mss) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("clamp rules = %+v (err %v), want MSS %d", got, err, mss)
}

func rulesAre(got []Installed, mss uint16) bool {
	if mss == 0 {
		return len(got) == 0
	}
	if len(got) != 4 {
		return false
	}
	seen := map[Installed]bool{}
	for _, r := range got {
		want := mss
		if r.IPv6 {
			want = mss - 20
		}
		if r.MSS != want {
			return false
		}
		seen[Installed{Incoming: r.Incoming, IPv6: r.IPv6}] = true
	}
	return len(seen) == 4
}

// synMSS connects from one namespace to a listener in another and returns
// the MSS option of the SYN (or SYN-ACK-less SYN) as it arrived there, read
// with a packet socket on the receiving side.
func synMSS(t testing.TB, fromNS, toNS, toAddr string) uint16 {
	t.Helper()
	var ln net.Listener
	var psock int
	if err := inNetns(toNS, func() error {
		var err error
		if ln, err = net.Listen("tcp4", toAddr+":0"); err != nil {
			return err
		}
		psock, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_IP)))
		if err != nil {
			return err
		}
		tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
		return unix.SetsockoptTimeval(psock, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	defer unix.Close(psock)
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
	}()
	if err := inNetns(fromNS, func() error {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort(toAddr, strconv.Itoa(int(port))), 5*time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, _, err := unix.Recvfrom(psock, buf, 0)
		if err != nil {
			continue
		}
		if mss, ok := tcpsyn.MSS(buf[:n], port, false); ok {
			return mss
		}
	}
	t.Fatalf("no SYN to port %d seen in %s", port, toNS)
	return 0
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func TestClampSYNBothDirections(t *testing.T) {
	tp := newTopo(t, 1280)
	if got := synMSS(t, tp.lan, tp.peer, peerAddr); got != 1460 {
		t.Fatalf("unclamped: SYN MSS at the peer = %d, want the LAN host's 1460", got)
	}
	stop := tp.startClamp(t, Mode{})
	tp.waitRules(t, 1240)
	if got := synMSS(t, tp.lan, tp.peer, peerAddr); got != 1240 {
		t.Errorf("LAN → peer: SYN MSS at the peer = %d, want 1240 (tailscale0 MTU 1280 − 40)", got)
	}
	if got := synMSS(t, tp.peer, tp.lan, lanAddr); got != 1240 {
		t.Errorf("peer → LAN: SYN MSS at the LAN host = %d, want 1240", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	tp.waitRules(t, 0)
	if got := synMSS(t, tp.lan, tp.peer, peerAddr); got != 1460 {
		t.Errorf("after stop: SYN MSS at the peer = %d, want 1460 (table removed)", got)
	}
}

func TestClampFollowsRecreatedInterface(t *testing.T) {
	tp := newTopo(t, 1280)
	tp.startClamp(t, Mode{})
	tp.waitRules(t, 1240)
	run(t, "ip", "-n", tp.rtr, "link", "del", DefaultInterface)
	tp.addTunnel(t, 1200)
	tp.waitRules(t, 1160)
	if got := synMSS(t, tp.lan, tp.peer, peerAddr); got != 1160 {
		t.Errorf("after recreating tailscale0 at MTU 1200: SYN MSS = %d, want 1160", got)
	}
	run(t, "ip", "-n", tp.rtr, "link", "set", DefaultInterface, "mtu", "1400")
	tp.waitRules(t, 1360)
}

func TestClampWaitsForInterface(t *testing.T) {
	tp := newTopo(t, 1280)
	run(t, "ip", "-n", tp.rtr, "link", "del", DefaultInterface)
	tp.startClamp(t, Mode{})
	time.Sleep(200 * time.Millisecond)
	if got, err := tp.rules().List(); err != nil || len(got) != 0 {
		t.Fatalf("auto mode without tailscale0: rules %+v, %v; want none", got, err)
	}
	tp.addTunnel(t, 1280)
	tp.waitRules(t, 1240)
}

func TestClampFixedMTU(t *testing.T) {
	tp := newTopo(t, 1280)
	tp.startClamp(t, Mode{MTU: 1100})
	tp.waitRules(t, 1060)
	if got := synMSS(t, tp.lan, tp.peer, peerAddr); got != 1060 {
		t.Errorf("fixed 1100: SYN MSS = %d, want 1060", got)
	}
	// A lower MSS than the clamp is left alone: only larger values shrink.
	run(t, "ip", "-n", tp.lan, "link", "set", "eth0", "mtu", "1000")
	if got := synMSS(t, tp.lan, tp.peer, peerAddr); got != 960 {
		t.Errorf("LAN MTU 1000 under a 1100 clamp: SYN MSS = %d, want the host's own 960", got)
	}
}

func TestOffRemovesStaleTable(t *testing.T) {
	tp := newTopo(t, 1280)
	if err := tp.rules().Apply(1280); err != nil {
		t.Fatal(err)
	}
	tp.waitRules(t, 1240)
	if err := Run(context.Background(), Config{Mode: Mode{Off: true}, NetNS: tp.rtrFd}); err != nil {
		t.Fatal(err)
	}
	tp.waitRules(t, 0)
	if err := tp.rules().Remove(); err != nil {
		t.Errorf("removing a missing table: %v", err)
	}
}

// TestClampFixesBlackHole is the failure the clamp exists for: the router
// drops its own ICMP "fragmentation needed", so the LAN host never learns
// the tunnel's MTU. Without the clamp a bulk transfer stalls after the
// handshake; with it, it completes. The ICMP filter is a second nftables
// table, standing in for tailscaled's, and must be left as it was.
func TestClampFixesBlackHole(t *testing.T) {
	tp := newTopo(t, 1280)
	other := dropFragNeeded(t, tp)

	const size = 4 << 20
	if n := transfer(t, tp, size, 3*time.Second); n != 0 {
		t.Fatalf("without the clamp %d bytes arrived; want a stall (0 bytes) with ICMP frag-needed dropped", n)
	}
	stop := tp.startClamp(t, Mode{})
	tp.waitRules(t, 1240)
	if n := transfer(t, tp, size, 20*time.Second); n != size {
		t.Fatalf("with the clamp %d of %d bytes arrived", n, size)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	c, err := nftables.New(nftables.WithNetNSFd(tp.rtrFd))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.GetRules(other, &nftables.Chain{Name: "output", Table: other})
	if err != nil || len(rules) != 1 {
		t.Errorf("the other table after the clamp stopped: %d rules, %v; want its 1 rule intact", len(rules), err)
	}
}

// dropFragNeeded installs, in its own table, the router-side ICMP black hole:
// icmp type destination-unreachable code frag-needed drop (output hook).
func dropFragNeeded(t testing.TB, tp *topo) *nftables.Table {
	t.Helper()
	c, err := nftables.New(nftables.WithNetNSFd(tp.rtrFd))
	if err != nil {
		t.Fatal(err)
	}
	tbl := c.AddTable(&nftables.Table{Name: "blackhole", Family: nftables.TableFamilyIPv4})
	ch := c.AddChain(&nftables.Chain{Name: "output", Table: tbl, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityFilter})
	c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{3, 4}},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}})
	if err := c.Flush(); err != nil {
		t.Fatalf("installing the ICMP black hole: %v", err)
	}
	return tbl
}

// transfer sends size bytes from the LAN host to the peer on a fresh
// connection and returns how many the peer received within limit.
func transfer(t testing.TB, tp *topo, size int, limit time.Duration) int {
	t.Helper()
	var ln net.Listener
	if err := inNetns(tp.peer, func() error {
		var err error
		ln, err = net.Listen("tcp4", peerAddr+":0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- 0
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(limit))
		n, _ := io.Copy(io.Discard, c)
		got <- int(n)
	}()
	var conn net.Conn
	if err := inNetns(tp.lan, func() error {
		var err error
		conn, err = net.DialTimeout("tcp4", ln.Addr().String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		_ = conn.SetWriteDeadline(time.Now().Add(limit))
		_, _ = conn.Write(make([]byte, size))
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	return <-got
}
