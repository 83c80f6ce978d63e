//go:build linux

package lab_test

import (
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
)

// The MSS clamp on a real Talos subnet router, the other way: node-2, the
// tailnet peer, sends bulk TCP to the LAN host behind node-1. The peer's
// own TCP knows its own tailscale0 MTU, so this direction black-holes only
// when the peer's tunnel carries more than the path to the router does:
// here node-2 runs tailscale0 at 1500 (TS_DEBUG_MTU) on the lab's 1500
// underlay, so its full-size packets leave as IPv4 fragments the lab's
// nodes drop, and no ICMP comes back (frag-needed is dropped at both ends
// as well). With node-1's clamp the SYN reaches the LAN host clamped to
// 1240 (node-1's tailscale0 1280 − 40), the LAN host's SYN-ACK leaves
// through tailscale0 clamped too, node-2 sends segments that fit, and the
// upload completes; with TAILOS_MSS_CLAMP=off the SYN arrives with 1460 and
// the upload stalls at 0 bytes after the handshake.
func TestTalosMSSClampRouterReverse(t *testing.T) {
	l := up(t, lab.Options{Nodes: 2})
	n1, n2 := l.Nodes[0], l.Nodes[1]
	setNodeEnv(t, l, n1, "TS_DEBUG_MTU=1280")
	setNodeEnv(t, l, n2, "TS_DEBUG_MTU=1500")
	behind := n1.Behind[0]
	lanNS := behindNS(l, 0)
	dropFragNeeded(t, lanNS)
	dropFragNeeded(t, n2.Netns)

	const size = 4 << 20
	waitClampRules(t, n1, true)
	reachBehind(t, l)
	got, mss := upload(t, n2.Netns, lanNS, behind.String(), size, 30*time.Second)
	t.Logf("with the clamp: %d of %d bytes, SYN MSS %d at the LAN host", got, size, mss)
	if got != size {
		t.Errorf("with the clamp: %d of %d bytes arrived", got, size)
	}
	if mss != 1240 {
		t.Errorf("with the clamp: SYN MSS at the LAN host = %d, want 1240 (node-1's tailscale0 1280 − 40)", mss)
	}

	setNodeEnv(t, l, n1, "TAILOS_MSS_CLAMP=off")
	waitClampRules(t, n1, false)
	reachBehind(t, l)
	got, mss = upload(t, n2.Netns, lanNS, behind.String(), size, 10*time.Second)
	t.Logf("without the clamp: %d of %d bytes in 10 s, SYN MSS %d at the LAN host", got, size, mss)
	if got != 0 {
		t.Errorf("without the clamp: %d bytes arrived in 10 s; want a stall (0)", got)
	}
	if mss != 1460 {
		t.Errorf("without the clamp: SYN MSS at the LAN host = %d, want node-2's 1460 (tailscale0 1500 − 40)", mss)
	}
}
