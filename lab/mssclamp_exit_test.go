//go:build linux

package lab_test

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tailscale.com/ipn"

	"github.com/tailos/tailos/lab"
)

// outsideNet holds the links from the exit node to an upstream router and
// on to the host outside the tailnet (198.19.0.6): in the lab's
// 198.18.0.0/15, apart from its underlay.
var outsideNet = netip.MustParsePrefix("198.19.0.0/29")

// exitSpec is the built-in two-node spec with node-2 offering itself as an
// exit node (node-1 still routes the pod CIDR).
func exitSpec(t testing.TB) string {
	t.Helper()
	s := lab.BuiltinSpec(2, 1500, "auto", true)
	s = bytes.Replace(s, []byte("  port: 41641\n"), []byte("  port: 41641\n  exitNode:\n    on: [node-2]\n"), 1)
	p := filepath.Join(t.TempDir(), "tailos.yaml")
	if err := os.WriteFile(p, s, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The MSS clamp on a real Talos exit node. node-2 advertises itself as an
// exit node (gen: --advertise-exit-node, auto-approved by the generated
// policy, TAILOS_MSS_CLAMP=auto) with tailscale0 at 1280; node-1 uses it
// (--exit-node, LAN access kept) to reach a host outside the tailnet,
// 198.19.0.6, one router hop behind node-2 and reachable only through it,
// deaf to ICMP fragmentation-needed. node-1 downloads from it: with the clamp the
// transfer completes and the SYN-ACK reaches node-1 clamped to 1240; with
// TAILOS_MSS_CLAMP=off it stalls at 0 bytes after the handshake.
func TestTalosMSSClampExitNode(t *testing.T) {
	l := up(t, lab.Options{SpecFile: exitSpec(t)})
	n1, n2 := l.Nodes[0], l.Nodes[1]
	if v, _ := envValue(n2.Plan.Environment, "TAILOS_MSS_CLAMP"); v != "auto" {
		t.Fatalf("gen gave the exit node TAILOS_MSS_CLAMP=%q, want auto", v)
	}
	if v, _ := envValue(n2.Plan.Environment, "TS_EXTRA_ARGS"); !strings.Contains(v, "--advertise-exit-node") {
		t.Fatalf("gen's TS_EXTRA_ARGS for the exit node lacks --advertise-exit-node: %q", v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outNS, outside, err := l.AddOutsideHost(ctx, n2, outsideNet)
	if err != nil {
		t.Fatal(err)
	}
	dropFragNeeded(t, outNS)
	target := net.JoinHostPort(outside.String(), "7004")
	if err := exchange(n1.Netns, outNS, target, target); err == nil {
		t.Fatalf("node-1 reaches %s without the exit node: the host is not outside", outside)
	}
	setNodeEnv(t, l, n2, "TS_DEBUG_MTU=1280")
	useExitNode(t, ctx, l, n1, n2)

	const size = 4 << 20
	waitClampRules(t, n2, true)
	reachOutside(t, n1.Netns, outNS, target, n2)
	got, mss := download(t, n1.Netns, outNS, outside.String(), size, 30*time.Second)
	t.Logf("with the clamp: %d of %d bytes, SYN-ACK MSS %d at node-1", got, size, mss)
	if got != size {
		t.Errorf("with the clamp: %d of %d bytes arrived", got, size)
	}
	if mss != 1240 {
		t.Errorf("with the clamp: SYN-ACK MSS at node-1 = %d, want 1240 (the exit node's tailscale0 1280 − 40)", mss)
	}

	setNodeEnv(t, l, n2, "TAILOS_MSS_CLAMP=off")
	waitClampRules(t, n2, false)
	reachOutside(t, n1.Netns, outNS, target, n2)
	got, mss = download(t, n1.Netns, outNS, outside.String(), size, 10*time.Second)
	t.Logf("without the clamp: %d of %d bytes in 10 s, SYN-ACK MSS %d at node-1", got, size, mss)
	if got != 0 {
		t.Errorf("without the clamp: %d bytes arrived in 10 s; want a stall (0) with frag-needed dropped", got)
	}
	if mss != 1460 {
		t.Errorf("without the clamp: SYN-ACK MSS at node-1 = %d, want the outside host's 1460", mss)
	}
}

// useExitNode waits until client sees exit offered and approved, then
// points client's tailscaled at it (tailscale set --exit-node=…
// --exit-node-allow-lan-access, through the local API), and waits until
// client's status shows it in use.
func useExitNode(t testing.TB, ctx context.Context, l *lab.Lab, client, exit *lab.Node) {
	t.Helper()
	lc := lab.NodeClient(client)
	var exitIP netip.Addr
	waitFor(t, 2*time.Minute, exit.Name+" offered as an approved exit node to "+client.Name, func() (bool, string) {
		st, err := lc.Status(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, p := range st.Peer {
			if strings.HasPrefix(p.HostName, exit.Name) || strings.HasPrefix(p.DNSName, exit.Name+".") {
				if len(p.TailscaleIPs) > 0 {
					exitIP = p.TailscaleIPs[0]
				}
				return p.ExitNodeOption, "peer " + p.HostName + " exit node option: " + boolString(p.ExitNodeOption)
			}
		}
		return false, "peer not seen"
	})
	mp := &ipn.MaskedPrefs{
		Prefs:                     ipn.Prefs{ExitNodeIP: exitIP, ExitNodeAllowLANAccess: true},
		ExitNodeIPSet:             true,
		ExitNodeAllowLANAccessSet: true,
	}
	if _, err := lc.EditPrefs(ctx, mp); err != nil {
		t.Fatalf("%s: using %s (%s) as exit node: %v", client.Name, exit.Name, exitIP, err)
	}
	waitFor(t, time.Minute, client.Name+" using the exit node", func() (bool, string) {
		st, err := lc.Status(ctx)
		if err != nil {
			return false, err.Error()
		}
		if st.ExitNodeStatus == nil {
			return false, "no exit node in status"
		}
		return st.ExitNodeStatus.Online, "exit node online: " + boolString(st.ExitNodeStatus.Online)
	})
}

// reachOutside waits until fromNS reaches the outside host again (a
// restarted exit node needs a handshake).
func reachOutside(t testing.TB, fromNS, outNS, target string, exit *lab.Node) {
	t.Helper()
	var err error
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		if err = exchange(fromNS, outNS, target, target); err == nil {
			return
		}
	}
	// What the exit node's packet filter admits, for the failure report.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rules, ferr := lab.NodeClient(exit).DebugPacketFilterRules(ctx)
	t.Fatalf("%s does not reach %s through the exit node: %v\n%s's packet filter: %+v (%v)", fromNS, target, err, exit.Name, rules, ferr)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
