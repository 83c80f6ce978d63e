//go:build linux

package lab_test

import (
	"context"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"
	"golang.org/x/sys/unix"

	"github.com/tailos/tailos/internal/tcpsyn"
	"github.com/tailos/tailos/lab"
)

// The MSS clamp on a real Talos subnet router. node-1 routes 10.244.0.0/16
// to a LAN host on a 1500-byte link, with tailscale0 at 1280
// (TS_DEBUG_MTU); node-2 is a tailnet peer at the lab's 1440, so its SYN
// advertises 1400 and the LAN host's full segments do not fit node-1's
// tunnel. The LAN host
// drops ICMP "fragmentation needed". node-2 downloads from the LAN host:
// with the extension's clamp (gen's TAILOS_MSS_CLAMP=auto on the router)
// the transfer completes and the SYN-ACK reaches node-2 clamped to 1240;
// with TAILOS_MSS_CLAMP=off it stalls at 0 bytes after the handshake.
func TestTalosMSSClampRouter(t *testing.T) {
	l := up(t, lab.Options{Nodes: 2})
	n1, n2 := l.Nodes[0], l.Nodes[1]
	if v, _ := envValue(n1.Plan.Environment, "TAILOS_MSS_CLAMP"); v != "auto" {
		t.Fatalf("gen gave the router TAILOS_MSS_CLAMP=%q, want auto", v)
	}
	if _, ok := envValue(n2.Plan.Environment, "TAILOS_MSS_CLAMP"); ok {
		t.Fatal("gen set TAILOS_MSS_CLAMP on node-2, which routes nothing")
	}
	setNodeEnv(t, l, n1, "TS_DEBUG_MTU=1280")
	behind := n1.Behind[0]
	lanNS := behindNS(l, 0)
	dropFragNeeded(t, lanNS)

	const size = 4 << 20
	// With the clamp (the generated config).
	waitClampRules(t, n1, true)
	reachBehind(t, l)
	got, mss := download(t, n2.Netns, lanNS, behind.String(), size, 30*time.Second)
	t.Logf("with the clamp: %d of %d bytes, SYN-ACK MSS %d at node-2", got, size, mss)
	if got != size {
		t.Errorf("with the clamp: %d of %d bytes arrived", got, size)
	}
	if mss != 1240 {
		t.Errorf("with the clamp: SYN-ACK MSS at node-2 = %d, want 1240 (node-1's tailscale0 1280 − 40)", mss)
	}

	// Without: the router's ExtensionServiceConfig says off.
	setNodeEnv(t, l, n1, "TAILOS_MSS_CLAMP=off")
	waitClampRules(t, n1, false)
	reachBehind(t, l)
	got, mss = download(t, n2.Netns, lanNS, behind.String(), size, 10*time.Second)
	t.Logf("without the clamp: %d of %d bytes in 10 s, SYN-ACK MSS %d at node-2", got, size, mss)
	if got != 0 {
		t.Errorf("without the clamp: %d bytes arrived in 10 s; want a stall (0) with frag-needed dropped", got)
	}
	if mss != 1460 {
		t.Errorf("without the clamp: SYN-ACK MSS at node-2 = %d, want the LAN host's 1460", mss)
	}
}

// reachBehind waits until node-2 reaches the LAN host through node-1 again
// (a restarted router needs a handshake and its route back).
func reachBehind(t testing.TB, l *lab.Lab) {
	t.Helper()
	host := net.JoinHostPort(l.Nodes[0].Behind[0].String(), "7003")
	var err error
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		if err = exchange(l.Nodes[1].Netns, behindNS(l, 0), host, host); err == nil {
			return
		}
	}
	t.Fatalf("node-2 does not reach the LAN host behind node-1: %v", err)
}

// setNodeEnv appends env entries to a node's ExtensionServiceConfig, applies
// it through the Talos API and waits for ext-tailscale to run again.
func setNodeEnv(t testing.TB, l *lab.Lab, n *lab.Node, entries ...string) {
	t.Helper()
	pid, _ := extProcess(t, n)
	ca, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		t.Fatal(err)
	}
	docs := slices.Clone(n.Plan.Documents)
	for i, d := range docs {
		if esc, ok := d.(*extensions.ServiceConfigV1Alpha1); ok {
			c := esc.DeepCopy()
			c.ServiceEnvironment = append(c.ServiceEnvironment, entries...)
			docs[i] = c
		}
	}
	n.Plan.Documents = docs
	patch, err := l.NodePatch(n, l.AuthKey, string(ca))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := l.MachineConfigFor(patch)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := l.ApplyConfig(ctx, n.Name, cfg); err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1]
	k, v, _ := strings.Cut(last, "=")
	waitFor(t, 2*time.Minute, "ext-tailscale restarted with "+last, func() (bool, string) {
		p, e := extProcess(t, n)
		got, _ := envValue(e, k)
		return p != 0 && p != pid && got == v, "pid " + strconv.Itoa(p) + " " + k + "=" + got
	})
	if err := l.WaitRunning(ctx, n.Name, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
}

// waitClampRules waits until node-1's clamp table is there (or gone).
func waitClampRules(t testing.TB, n *lab.Node, want bool) {
	t.Helper()
	f, err := os.Open(lab.NetnsPath(n.Netns))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	waitFor(t, time.Minute, "the clamp table in "+n.Name, func() (bool, string) {
		c, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
		if err != nil {
			return false, err.Error()
		}
		tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
		if err != nil {
			return false, err.Error()
		}
		have := slices.ContainsFunc(tables, func(tb *nftables.Table) bool { return tb.Name == "tailos-mssclamp" })
		return have == want, "table present: " + strconv.FormatBool(have)
	})
}

// dropFragNeeded makes the LAN host deaf to ICMP fragmentation-needed, as
// behind a middlebox that filters it.
func dropFragNeeded(t testing.TB, ns string) {
	t.Helper()
	f, err := os.Open(lab.NetnsPath(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	tbl := c.AddTable(&nftables.Table{Name: "blackhole", Family: nftables.TableFamilyIPv4})
	ch := c.AddChain(&nftables.Chain{Name: "input", Table: tbl, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookInput, Priority: nftables.ChainPriorityFilter})
	c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{3, 4}},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}})
	if err := c.Flush(); err != nil {
		t.Fatalf("dropping frag-needed in %s: %v", ns, err)
	}
}

// download connects from peerNS to a listener on host in lanNS, has the LAN
// host send size bytes, and returns how many arrived within limit and the
// MSS of the SYN-ACK as it reached the peer (read with a packet socket).
func download(t testing.TB, peerNS, lanNS, host string, size int, limit time.Duration) (int, uint16) {
	t.Helper()
	ln, err := listen(lanNS, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetWriteDeadline(time.Now().Add(limit))
		_, _ = c.Write(make([]byte, size))
	}()
	mssc := captureMSS(t, peerNS, port, true, limit)
	c, err := dial(peerNS, net.JoinHostPort(host, strconv.Itoa(int(port))), 15*time.Second)
	if err != nil {
		t.Fatalf("%s → %s: %v", peerNS, host, err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	n, _ := io.Copy(io.Discard, io.LimitReader(c, int64(size)))
	return int(n), <-mssc
}

// upload connects from peerNS to a listener on host in lanNS and sends size
// bytes; it returns how many the LAN host received within limit and the MSS
// of the SYN as it reached the LAN host.
func upload(t testing.TB, peerNS, lanNS, host string, size int, limit time.Duration) (int, uint16) {
	t.Helper()
	ln, err := listen(lanNS, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	got := make(chan int, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- 0
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(limit))
		n, _ := io.Copy(io.Discard, io.LimitReader(c, int64(size)))
		got <- int(n)
	}()
	mssc := captureMSS(t, lanNS, port, false, limit)
	c, err := dial(peerNS, net.JoinHostPort(host, strconv.Itoa(int(port))), 15*time.Second)
	if err != nil {
		t.Fatalf("%s → %s: %v", peerNS, host, err)
	}
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(limit))
	_, _ = c.Write(make([]byte, size))
	var n int
	select {
	case n = <-got:
	case <-time.After(limit + 5*time.Second):
	}
	return n, <-mssc
}

// captureMSS watches every interface of ns with a packet socket for the
// first TCP SYN (synAck false: to port) or SYN-ACK (true: from port) and
// sends its MSS option, or 0 when none passed within limit.
func captureMSS(t testing.TB, ns string, port uint16, synAck bool, limit time.Duration) <-chan uint16 {
	t.Helper()
	var psock int
	if err := lab.InNetns(ns, func() error {
		var err error
		psock, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
		return unix.SetsockoptTimeval(psock, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	}); err != nil {
		t.Fatal(err)
	}
	mssc := make(chan uint16, 1)
	go func() {
		defer unix.Close(psock)
		buf := make([]byte, 65536)
		for end := time.Now().Add(limit); time.Now().Before(end); {
			n, _, err := unix.Recvfrom(psock, buf, 0)
			if err != nil {
				continue
			}
			if mss, ok := tcpsyn.MSS(buf[:n], port, synAck); ok {
				mssc <- mss
				return
			}
		}
		mssc <- 0
	}()
	return mssc
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
