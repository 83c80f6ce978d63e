package lint

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"

	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
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

// heapPeak is the most memory a run was seen to hold: all heap objects
// (garbage not yet collected included, so it moves with GC pacing), and
// the live heap the collector marked.
type heapPeak struct{ objects, live uint64 }

func (p *heapPeak) max(q heapPeak) {
	p.objects, p.live = max(p.objects, q.objects), max(p.live, q.live)
}

func (p heapPeak) report(b *testing.B) {
	b.ReportMetric(float64(p.objects)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(p.live)/(1<<20), "peak-live-MB")
}

// peakHeap samples the heap while f runs and returns its peaks.
func peakHeap(f func()) heapPeak {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	var peak heapPeak
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
				peak.max(heapPeak{sample[0].Value.Uint64(), sample[1].Value.Uint64()})
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
	var peak heapPeak
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		peak.max(peakHeap(func() {
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
	peak.report(b)
}

// benchmarkStream is benchmarkRun as `tailos check` runs: streamed, each
// input printed (to io.Discard) as it is checked.
func benchmarkStream(b *testing.B, n int) {
	dir := writeBenchFiles(b, n)
	var peak heapPeak
	var crossed int
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		peak.max(peakHeap(func() {
			p := report.NewText(io.Discard, false)
			var s report.Summary
			tail, err := Stream(context.Background(), Request{Paths: []string{dir}}, func(in report.Input, fs []rules.Finding) error {
				s.AddInput(&in)
				for _, f := range fs {
					s.AddFinding(f)
				}
				return p.Input(in, fs)
			})
			if err != nil {
				b.Fatal(err)
			}
			var cross []rules.Finding
			for _, c := range tail.Cross {
				cross = append(cross, c.Findings...)
			}
			crossed = len(cross)
			if err := p.Finish(cross, tail.Notes, s); err != nil {
				b.Fatal(err)
			}
			if s.Inputs != n || s.Unchecked != 0 {
				b.Fatalf("%d inputs, %d unchecked", s.Inputs, s.Unchecked)
			}
		}))
	}
	reportCPU(b, cpu)
	peak.report(b)
	// Held to the end of the run: they compare every node.
	b.ReportMetric(float64(crossed), "cross-findings")
}

// BenchmarkStream1000 and BenchmarkStream10000 are BenchmarkRun10000 as
// the CLI runs it, streaming: what grows from one to the other is what the
// cross-node rules keep of each node and the findings they make.
func BenchmarkStream1000(b *testing.B)  { benchmarkStream(b, 1000) }
func BenchmarkStream10000(b *testing.B) { benchmarkStream(b, 10000) }

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
	var peak heapPeak
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		peak.max(peakHeap(func() {
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
	peak.report(b)
}
