package mtu

import (
	"context"
	"strings"
	"testing"
	"time"
)

// startResponder runs a Responder on addr for the test's lifetime.
func startResponder(t *testing.T, addr string) *Responder {
	t.Helper()
	r, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("responder: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("responder did not stop within 5s")
		}
	})
	return r
}

// Loopback's MTU (65536) caps the search at the largest IPv4 packet.
func TestProbeLoopbackUDP(t *testing.T) {
	r := startResponder(t, "127.0.0.1:0")
	var steps []Step
	res, err := Probe(context.Background(), ProbeOptions{
		Host: "127.0.0.1", Port: r.Addr().Port, Timeout: 10 * time.Second,
		OnStep: func(s Step) { steps = append(steps, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.PathMTU != MaxUnderlay || !res.Exact || res.Family != IPv4 || res.Interface != "lo" {
		t.Fatalf("probe = %+v, want exact %d over IPv4 via lo", res, MaxUnderlay)
	}
	if len(steps) != 2 || steps[0].Size != 576 || steps[1].Size != MaxUnderlay || steps[1].Outcome != OutcomeFits {
		t.Fatalf("steps %+v, want 576 then %d, both fitting", steps, MaxUnderlay)
	}
}

func TestProbeMaxBelowLocal(t *testing.T) {
	r := startResponder(t, "[::1]:0")
	res, err := Probe(context.Background(), ProbeOptions{Host: "::1", Port: r.Addr().Port, Max: 9000})
	if err != nil {
		t.Fatal(err)
	}
	if res.PathMTU != 9000 || res.Family != IPv6 || res.Steps[0].Size != IPv6Minimum {
		t.Fatalf("probe = %+v, want 9000 over IPv6 starting at 1280", res)
	}
}

func TestProbeErrors(t *testing.T) {
	// A port nobody listens on: the kernel answers port unreachable.
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := r.Addr().Port
	r.Close()
	for _, tc := range []struct {
		name string
		o    ProbeOptions
		want string
	}{
		{"no responder", ProbeOptions{Host: "127.0.0.1", Port: closed}, "start `tailos mtu responder` there"},
		{"no host", ProbeOptions{}, "no host"},
		{"family mismatch", ProbeOptions{Host: "127.0.0.1", Family: IPv6}, "not an IPv6 address"},
		{"bad method", ProbeOptions{Host: "127.0.0.1", Method: "tcp"}, `method "tcp"`},
		{"bad port", ProbeOptions{Host: "127.0.0.1", Port: 70000}, "port 70000"},
		{"too few probes", ProbeOptions{Host: "127.0.0.1", MaxProbes: 1}, "at least 2"},
		{"min above max", ProbeOptions{Host: "127.0.0.1", Min: 1500, Max: 1400}, "nothing to search"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Probe(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// BenchmarkProbeLoopback measures one whole UDP search on loopback, from
// 576 to 9000 bytes with every step fitting (2 probes).
func BenchmarkProbeLoopback(b *testing.B) {
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	o := ProbeOptions{Host: "127.0.0.1", Port: r.Addr().Port, Max: 9000}
	b.ResetTimer()
	for b.Loop() {
		res, err := Probe(context.Background(), o)
		if err != nil || res.PathMTU != 9000 {
			b.Fatalf("probe = %+v, %v", res, err)
		}
	}
}

// BenchmarkFromUnderlay measures the arithmetic with its explanation.
func BenchmarkFromUnderlay(b *testing.B) {
	for b.Loop() {
		if _, err := FromUnderlay(1492, IPv6, true); err != nil {
			b.Fatal(err)
		}
	}
}
