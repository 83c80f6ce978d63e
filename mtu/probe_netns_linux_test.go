package mtu

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// responderIn runs a Responder inside n for the test's lifetime.
func responderIn(t *testing.T, n netns, addr string) *Responder {
	t.Helper()
	var r *Responder
	n.do(t, func() { r = startResponder(t, addr) })
	return r
}

// probeIn runs Probe inside n.
func probeIn(t *testing.T, n netns, o ProbeOptions) (ProbeResult, error) {
	t.Helper()
	var (
		res ProbeResult
		err error
	)
	o.OnStep = func(s Step) { t.Log(s) }
	n.do(t, func() { res, err = Probe(context.Background(), o) })
	return res, err
}

// Two namespaces joined by one veth pair whose MTU is the path MTU.
func TestProbeVeth(t *testing.T) {
	needRoot(t)
	for _, mtu := range []int{1300, 1500} {
		for _, m := range []struct {
			method Method
			ping   bool // allow unprivileged ping sockets in the prober's namespace
		}{{MethodUDP, false}, {MethodICMP, false}, {MethodICMP, true}} {
			t.Run(fmt.Sprintf("%d/%s/ping-socket=%v", mtu, m.method, m.ping), func(t *testing.T) {
				a, b := newNetns(t, "a"), newNetns(t, "b")
				veth(t, a, "va", "198.18.0.1/24", mtu, b, "vb", "198.18.0.2/24", mtu)
				if m.ping {
					a.sysctl(t, "net.ipv4.ping_group_range", "0 2147483647")
				}
				o := ProbeOptions{Host: "198.18.0.2", Method: m.method, Timeout: 10 * time.Second}
				if m.method == MethodUDP {
					o.Port = responderIn(t, b, "198.18.0.2:0").Addr().Port
				}
				res, err := probeIn(t, a, o)
				if err != nil {
					t.Fatal(err)
				}
				if res.PathMTU != mtu || !res.Exact || res.LocalMTU != mtu || res.Interface != "va" {
					t.Fatalf("probe = %+v, want exactly %d through va", res, mtu)
				}
				socket := map[Method]string{MethodUDP: "udp", MethodICMP: "icmp-raw"}[m.method]
				if m.ping {
					socket = "icmp-ping"
				}
				if res.Socket != socket {
					t.Fatalf("probed with a %s socket, want %s", res.Socket, socket)
				}
			})
		}
	}
}

// A router between the namespaces whose link to the responder has a
// smaller MTU than the prober's: the search must find it from the router's
// "fragmentation needed" answers, or, when the router sends none (an ICMP
// black hole), from silence alone.
func TestProbeRouter(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct {
		name      string
		method    Method
		blackhole bool
		want      Outcome // the outcome of the first oversized probe
	}{
		{"icmp-frag-needed/udp", MethodUDP, false, OutcomeTooBigPath},
		{"icmp-frag-needed/icmp", MethodICMP, false, OutcomeTooBigPath},
		{"blackhole/udp", MethodUDP, true, OutcomeNoReply},
		{"blackhole/icmp", MethodICMP, true, OutcomeNoReply},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, r, b := newNetns(t, "a"), newNetns(t, "r"), newNetns(t, "b")
			veth(t, a, "va", "198.18.1.2/24", 1500, r, "ra", "198.18.1.1/24", 1500)
			veth(t, r, "rb", "198.18.2.1/24", 1400, b, "vb", "198.18.2.2/24", 1400)
			a.ip(t, "route", "add", "default", "via", "198.18.1.1")
			b.ip(t, "route", "add", "default", "via", "198.18.2.1")
			r.sysctl(t, "net.ipv4.ip_forward", "1")
			if tc.blackhole {
				// Everything the router itself sends over ICMP vanishes.
				r.ip(t, "rule", "add", "iif", "lo", "ipproto", "icmp", "lookup", "100")
				r.ip(t, "route", "add", "blackhole", "default", "table", "100")
			}
			o := ProbeOptions{Host: "198.18.2.2", Method: tc.method, Timeout: 20 * time.Second, Wait: 500 * time.Millisecond}
			if tc.method == MethodUDP {
				o.Port = responderIn(t, b, ":0").Addr().Port
			}
			res, err := probeIn(t, a, o)
			if err != nil {
				t.Fatal(err)
			}
			if res.PathMTU != 1400 || !res.Exact || res.LocalMTU != 1500 {
				t.Fatalf("probe = %+v, want exactly 1400 behind a 1500 local link", res)
			}
			if len(res.Steps) < 2 || res.Steps[1].Size != 1500 || res.Steps[1].Outcome != tc.want {
				t.Fatalf("steps %+v: want the 1500-byte probe to end %s", res.Steps, tc.want)
			}
			if res.Probes > DefaultMaxProbes {
				t.Fatalf("%d probes, more than the default budget %d", res.Probes, DefaultMaxProbes)
			}
		})
	}
}

// IPv6, on the loopback of a namespace with its MTU lowered: sizes above
// it fail locally (EMSGSIZE), found by the search from an explicit maximum.
func TestProbeIPv6Loopback(t *testing.T) {
	needRoot(t)
	for _, method := range []Method{MethodUDP, MethodICMP} {
		t.Run(string(method), func(t *testing.T) {
			n := newNetns(t, "v6")
			n.ip(t, "link", "set", "lo", "mtu", "1300")
			o := ProbeOptions{Host: "::1", Method: method, Max: 1500, Timeout: 10 * time.Second}
			if method == MethodUDP {
				o.Port = responderIn(t, n, "[::1]:0").Addr().Port
			}
			res, err := probeIn(t, n, o)
			if err != nil {
				t.Fatal(err)
			}
			if res.PathMTU != 1300 || !res.Exact || res.Family != IPv6 || res.Steps[1].Outcome != OutcomeTooBigLocal {
				t.Fatalf("probe = %+v, want exactly 1300 over IPv6, 1500 too big locally", res)
			}
		})
	}
}

// The packet budget ends the search early, with an honest inexact answer.
func TestProbeBudget(t *testing.T) {
	needRoot(t)
	a, b := newNetns(t, "a"), newNetns(t, "b")
	veth(t, a, "va", "198.18.0.1/24", 1400, b, "vb", "198.18.0.2/24", 1400)
	o := ProbeOptions{Host: "198.18.0.2", Port: responderIn(t, b, "198.18.0.2:0").Addr().Port, Max: 9000, MaxProbes: 4}
	res, err := probeIn(t, a, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Exact || res.Probes != 4 || res.PathMTU < 576 || res.PathMTU > 1400 {
		t.Fatalf("probe = %+v, want an inexact answer ≤ 1400 after 4 probes", res)
	}
}

// A responder listening on every address answers from the address each
// probe was sent to, so a probe to a host's second address is answered.
func TestProbeSecondaryAddress(t *testing.T) {
	needRoot(t)
	for _, listen := range []string{":0", "0.0.0.0:0"} {
		t.Run(listen, func(t *testing.T) {
			a, b := newNetns(t, "a"), newNetns(t, "b")
			veth(t, a, "va", "198.18.0.1/24", 1500, b, "vb", "198.18.0.2/24", 1500)
			b.ip(t, "addr", "add", "198.18.0.3/24", "dev", "vb")
			port := responderIn(t, b, listen).Addr().Port
			res, err := probeIn(t, a, ProbeOptions{Host: "198.18.0.3", Port: port, Timeout: 5 * time.Second, Wait: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if res.PathMTU != 1500 {
				t.Fatalf("probe = %+v, want 1500", res)
			}
		})
	}
}
