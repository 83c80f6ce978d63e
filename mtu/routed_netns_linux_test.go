package mtu

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tailos/tailos/extension/mssclamp"
)

// TestProbeRoutedBlackHole is the routed probe before and after an MSS
// clamp: a LAN host (1500) behind a router whose link to the peer is 1280
// on the router's side while the peer advertises 1460, and the router's ICMP
// silenced. Datagram probes find 1280 either way; the routed probe shows the
// upload stalling at full MSS, and completing once the router clamps.
func TestProbeRoutedBlackHole(t *testing.T) {
	needRoot(t)
	a, r, b := newNetns(t, "ra"), newNetns(t, "rr"), newNetns(t, "rb")
	veth(t, a, "va", "198.18.1.2/24", 1500, r, "ra", "198.18.1.1/24", 1500)
	veth(t, r, "rb", "198.18.2.1/24", 1280, b, "vb", "198.18.2.2/24", 1500)
	a.ip(t, "route", "add", "default", "via", "198.18.1.1")
	b.ip(t, "route", "add", "default", "via", "198.18.2.1")
	r.sysctl(t, "net.ipv4.ip_forward", "1")
	r.ip(t, "rule", "add", "iif", "lo", "ipproto", "icmp", "lookup", "100")
	r.ip(t, "route", "add", "blackhole", "default", "table", "100")

	var resp *TCPResponder
	b.do(t, func() {
		var err error
		if resp, err = ListenTCP("198.18.2.2:0"); err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() { resp.Close() })
	go func() { _ = resp.Serve(context.Background()) }() // ends with the listener's error when Cleanup closes it
	o := RoutedOptions{Host: "198.18.2.2", Port: resp.Addr().(*net.TCPAddr).Port, Bytes: 2 << 20, Timeout: 3 * time.Second}
	probe := func() RoutedResult {
		t.Helper()
		var res RoutedResult
		var err error
		a.do(t, func() { res, err = ProbeRouted(context.Background(), o) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", res)
		return res
	}

	before := probe()
	if before.SYNMSS != 1460 || before.LocalMSS != 1460 {
		t.Errorf("unclamped: SYN MSS at the peer %d, local %d; want 1460 both", before.SYNMSS, before.LocalMSS)
	}
	if before.Upload.Complete || before.Upload.Bytes != 0 {
		t.Errorf("unclamped upload into the black hole: %+v; want 0 bytes", before.Upload)
	}
	if !before.Download.Complete {
		t.Errorf("download over the 1500-byte way back: %+v; want complete", before.Download)
	}

	f, err := os.Open("/var/run/netns/" + string(r))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules := &mssclamp.Rules{Interface: "rb", NetNS: int(f.Fd())}
	if err := rules.Apply(1280); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rules.Remove() })
	after := probe()
	if after.SYNMSS != 1240 || !after.Upload.Complete || !after.Download.Complete {
		t.Errorf("clamped: %+v; want SYN MSS 1240 and both transfers complete", after)
	}
}
