package mssclamp

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRoutedTransfer moves 16 MiB LAN host → router → peer where ICMP
// works (PMTUD is enough), with and without the clamp: the clamp must cost
// no throughput there. tailscale0 is a veth at 1280, so this measures the
// forwarding path and the rules, not WireGuard.
func BenchmarkRoutedTransfer(b *testing.B) {
	const size = 16 << 20
	for _, clamp := range []bool{false, true} {
		b.Run(fmt.Sprintf("clamp=%v", clamp), func(b *testing.B) {
			tp := newTopo(b, 1280)
			if clamp {
				tp.startClamp(b, Mode{})
				tp.waitRules(b, 1240)
			}
			// The first transfer learns the path MTU from ICMP.
			if n := transfer(b, tp, size, 30*time.Second); n != size {
				b.Fatalf("warm-up moved %d of %d bytes", n, size)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if n := transfer(b, tp, size, 30*time.Second); n != size {
					b.Fatalf("moved %d of %d bytes", n, size)
				}
			}
		})
	}
}
