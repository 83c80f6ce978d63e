package rules

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
)

// ts104Pairwise is TS104 as first written: every accepting node compared
// with every peer. The indexed rule must find exactly the same.
func ts104Pairwise(nodes []*NodeFacts) []NodeResult {
	var out []NodeResult
	for i, c := range nodes {
		if c.Tailscale == nil {
			continue
		}
		if on, _ := c.Tailscale.ExtraArgs().Bool("accept-routes"); !on {
			continue
		}
		own := ownLAN(c)
	peers:
		for j, p := range nodes {
			if j == i || p.Tailscale == nil {
				continue
			}
			routes, _ := advertisedRoutes(p.Tailscale)
			for _, r := range routes {
				rp, err := netip.ParsePrefix(r)
				if err != nil || rp.Bits() == 0 {
					continue
				}
				for _, o := range own {
					if rp.Masked().Contains(o.Addr()) || rp.Overlaps(o) && rp.Bits() <= o.Bits() {
						peer := p.Node
						if peer == "" {
							peer = p.File
						}
						out = append(out, NodeResult{Node: i, Result: Result{
							Message: fmt.Sprintf("the node accepts tailnet routes and %s advertises %s, which contains its own %s: LAN replies go into tailscale0 (table 52)", peer, r, o),
							At:      AtEnv("TS_EXTRA_ARGS"),
							Edits:   []Edit{DropFlags("TS_EXTRA_ARGS", "accept-routes")},
						}})
						break peers
					}
				}
			}
		}
	}
	return out
}

// randomFleet builds n nodes on a few small LANs; some accept routes, some
// advertise LANs, host routes, unmasked or default routes, or nothing.
func randomFleet(rng *rand.Rand, n int) []*NodeFacts {
	routes := []string{"10.1.0.0/16", "10.1.2.0/24", "10.1.2.7/32", "10.2.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "fd00::/8", "10.1.2.9/16", "bogus", "192.168.0.0/16"}
	nodes := make([]*NodeFacts, n)
	for i := range nodes {
		c := &NodeFacts{Node: fmt.Sprintf("n%d", i), File: "f.yaml"}
		switch rng.IntN(3) {
		case 0:
			c.Addresses = []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.2.%d/24", 1+rng.IntN(2), 1+rng.IntN(250)))}
		case 1:
			c.NodeIP.Values = []string{[]string{"10.1.0.0/16", "10.2.2.0/24", "!10.1.0.0/16", "192.168.1.0/24"}[rng.IntN(4)]}
		}
		if rng.IntN(5) > 0 {
			c.Tailscale = &Tailscale{}
			if rng.IntN(2) == 0 {
				c.Tailscale.Env = append(c.Tailscale.Env, EnvVar{Key: "TS_EXTRA_ARGS", Value: "--accept-routes"})
			}
			if k := rng.IntN(3); k > 0 {
				v := routes[rng.IntN(len(routes))]
				if k == 2 {
					v += "," + routes[rng.IntN(len(routes))]
				}
				c.Tailscale.Env = append(c.Tailscale.Env, EnvVar{Key: "TS_ROUTES", Value: v})
			}
		}
		nodes[i] = c
	}
	return nodes
}

func TestTS104MatchesPairwise(t *testing.T) {
	r, ok := Lookup("TS104")
	if !ok {
		t.Fatal("no TS104")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	found := 0
	for round := range 300 {
		nodes := randomFleet(rng, 1+rng.IntN(12))
		got, want := r.CheckNodes(nodes), ts104Pairwise(nodes)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: indexed rule\n%+v\npairwise\n%+v", round, got, want)
		}
		found += len(got)
	}
	if found == 0 {
		t.Fatal("no round produced a finding: the comparison proves nothing")
	}
}

// BenchmarkTS104 shows the rule's cost per node staying flat as the fleet
// grows, next to the pairwise comparison it replaced.
func BenchmarkTS104(b *testing.B) {
	r, _ := Lookup("TS104")
	for _, n := range []int{100, 1000, 10000} {
		nodes := randomFleet(rand.New(rand.NewPCG(3, 4)), n)
		for _, impl := range []struct {
			name  string
			check func([]*NodeFacts) []NodeResult
		}{{"indexed", r.CheckNodes}, {"pairwise", ts104Pairwise}} {
			b.Run(fmt.Sprintf("%s/%d", impl.name, n), func(b *testing.B) {
				for b.Loop() {
					impl.check(nodes)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
			})
		}
	}
}

// overlapsPairwise is TS106's first test: every advertised route of every
// node against the node's own prefixes.
func overlapsPairwise(nodes []*NodeFacts, own []netip.Prefix) bool {
	for _, p := range nodes {
		if p.Tailscale == nil {
			continue
		}
		routes, _ := advertisedRoutes(p.Tailscale)
		for _, r := range routes {
			rp, err := netip.ParsePrefix(r)
			if err != nil || rp.Bits() == 0 {
				continue
			}
			for _, o := range own {
				if rp.Masked().Overlaps(o) {
					return true
				}
			}
		}
	}
	return false
}

func TestAdvertisedOverlapsMatchesPairwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	owns := [][]netip.Prefix{
		{netip.MustParsePrefix("10.1.2.3/32")}, {netip.MustParsePrefix("10.1.0.0/16")}, {netip.MustParsePrefix("10.0.0.0/8")},
		{netip.MustParsePrefix("10.1.2.9/24")}, {netip.MustParsePrefix("192.168.1.0/24"), netip.MustParsePrefix("fd00::1/128")},
		{netip.MustParsePrefix("172.16.0.0/12")}, {netip.MustParsePrefix("10.2.0.0/15")}, nil,
	}
	yes, no := 0, 0
	for round := range 300 {
		nodes := randomFleet(rng, rng.IntN(10))
		adv := newAdvertised(nodes)
		for _, own := range owns {
			got, want := adv.overlaps(own), overlapsPairwise(nodes, own)
			if got != want {
				t.Fatalf("round %d, own %v: indexed %v, pairwise %v", round, own, got, want)
			}
			if got {
				yes++
			} else {
				no++
			}
		}
	}
	if yes == 0 || no == 0 {
		t.Fatalf("%d overlaps, %d not: the comparison proves little", yes, no)
	}
}
