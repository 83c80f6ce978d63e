package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"

	"github.com/tailos/tailos/talosconf"
)

// writeBenchFiles writes n of the benchmark configs (repeating the 1,000)
// into a directory, as a fleet's checked-in configs would be.
func writeBenchFiles(b *testing.B, n int) string {
	b.Helper()
	cfgs := benchConfigs(b)
	dir := b.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("node-%05d.yaml", i)), cfgs[i%len(cfgs)], 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// peakHeap samples the live heap while f runs and returns its peak.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(sample)
				mu.Lock()
				peak = max(peak, sample[0].Value.Uint64())
				mu.Unlock()
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak
}

func benchmarkRun(b *testing.B, n int) {
	dir := writeBenchFiles(b, n)
	var peak uint64
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			res, err := Run(context.Background(), Request{Paths: []string{dir}})
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Report.Inputs) != n || res.Report.Summary.Unchecked != 0 {
				b.Fatalf("%d inputs, %d unchecked", len(res.Report.Inputs), res.Report.Summary.Unchecked)
			}
		}))
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// reportCPU reports the CPU time per op since start (all threads).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkRun10000 is BenchmarkLint1000 on 10,000 files. peak-heap-MB is
// the largest live heap seen during a run, which should not grow with the
// number of files.
func BenchmarkRun10000(b *testing.B) { benchmarkRun(b, 10000) }

// BenchmarkMachineryFiles10000 is the floor for BenchmarkRun10000:
// machinery's own sequential read, load and validation of the same files.
func BenchmarkMachineryFiles10000(b *testing.B) {
	dir := writeBenchFiles(b, 10000)
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var peak uint64
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			for _, e := range entries {
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					b.Fatal(err)
				}
				cfg, err := configloader.NewFromBytes(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := talosconf.Validate(cfg); err != nil {
					b.Fatal(err)
				}
			}
		}))
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
