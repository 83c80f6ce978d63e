package extension

import (
	"context"
	"testing"
)

// BenchmarkBuild measures Build with cached binaries (layout, gzip at best
// compression, and validation of the unpacked image) and reports the
// compressed image size per architecture.
//
//	go test -run '^$' -bench BenchmarkBuild -benchtime 3x ./extension/
func BenchmarkBuild(b *testing.B) {
	for _, arch := range Arches {
		b.Run(arch, func(b *testing.B) {
			bin := realBinaries(b, arch)
			var size int64
			for i := 0; i < b.N; i++ {
				a, err := Build(context.Background(), BuildOptions{Version: testVersion, Arches: []string{arch}, BinariesDir: bin})
				if err != nil {
					b.Fatal(err)
				}
				m, err := a.Images[arch].Manifest()
				if err != nil {
					b.Fatal(err)
				}
				size = 0
				for _, l := range m.Layers {
					size += l.Size
				}
			}
			b.ReportMetric(float64(size)/(1<<20), "MiB/image")
		})
	}
}
