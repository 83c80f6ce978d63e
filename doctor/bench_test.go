package doctor

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/tailos/tailos/tailnet"
)

// BenchmarkEvaluate is doctor's own cost per node once the evidence is
// read: every Talos-side check, the check catalogue on the live config
// included.
func BenchmarkEvaluate(b *testing.B) {
	p := homelab(b)
	ev, exp := healthy(b, p)
	b.ResetTimer()
	for b.Loop() {
		if cs := Evaluate(ev, exp); len(cs) == 0 {
			b.Fatal("no checks")
		}
	}
}

// BenchmarkMatchDevice50 matches 50 nodes against a tailnet of 500 devices
// (each node with several stale registrations), the fleet case.
func BenchmarkMatchDevice50(b *testing.B) {
	var devs []tailnet.Device
	for i := range 500 {
		devs = append(devs, tailnet.Device{ID: fmt.Sprint(i), Name: fmt.Sprintf("node-%d", i%50), Hostname: fmt.Sprintf("node-%d", i%50),
			NodeKey: fmt.Sprintf("nodekey:%d", i), Addresses: []string{netip.AddrFrom4([4]byte{100, 64, byte(i / 256), byte(i % 256)}).String()}})
	}
	b.ResetTimer()
	for b.Loop() {
		for n := range 50 {
			ip := netip.AddrFrom4([4]byte{100, 64, byte((450 + n) / 256), byte((450 + n) % 256)})
			m := MatchDevice(devs, fmt.Sprintf("node-%d", n), []netip.Addr{ip})
			if m.Current == nil || len(m.Stale) != 9 {
				b.Fatalf("node-%d: current %v, %d stale", n, m.Current, len(m.Stale))
			}
		}
	}
}
