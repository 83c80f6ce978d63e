//go:build unix

package extension

import (
	"compress/gzip"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is this process's user+system CPU time: on a shared machine it
// varies far less with the load than wall time does.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild measures Build with cached binaries (layout, gzip of the
// layer, and validation of the unpacked image) at several gzip levels and
// reports the compressed image size, to choose DefaultCompressionLevel by
// measurement; cpu-s/op is the CPU time per build. amd64 only: arm64's Tailscale is the same code, and building
// it would cost minutes for no new information.
//
//	go test -run '^$' -bench BenchmarkBuild -benchtime 3x ./extension/
func BenchmarkBuild(b *testing.B) {
	bin := realBinaries(b, "amd64")
	for _, level := range []int{gzip.BestSpeed, 4, DefaultCompressionLevel, gzip.BestCompression} {
		b.Run(fmt.Sprintf("amd64/level=%d", level), func(b *testing.B) {
			var size int64
			cpu0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				a, err := Build(context.Background(), BuildOptions{Version: testVersion, Arches: []string{"amd64"}, BinariesDir: bin, CompressionLevel: level})
				if err != nil {
					b.Fatal(err)
				}
				m, err := a.Images["amd64"].Manifest()
				if err != nil {
					b.Fatal(err)
				}
				size = 0
				for _, l := range m.Layers {
					size += l.Size
				}
			}
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(size)/(1<<20), "MiB/image")
		})
	}
}
