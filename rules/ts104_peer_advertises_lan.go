package rules

import (
	"fmt"
	"net/netip"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS104",
	Title:    "--accept-routes on a node whose LAN another node advertises",
	Severity: Warning,
	Topic:    TopicRoutes,
	Why: "With --accept-routes tailscaled puts every approved subnet route of its peers into routing table 52, " +
		"which ip rule 5270 consults before the main table. When a peer advertises a prefix that contains this " +
		"node's own LAN address, the node's replies to LAN clients — kubelet, apid, etcd — leave through " +
		"tailscale0 instead of the LAN: a documented case (a router advertising the node's 172.16.87.0/24) put the " +
		"node NotReady. TS101 covers the node advertising its own networks; this rule looks at the other nodes of " +
		"the same input. Peers outside the input (a home router, another site) can do the same.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 wgengine/router/osrouter/router_linux.go baseIPRules (rule 5270 looks up table 52 before main)",
		"lint/testdata/realworld/INDEX.md entry 20 (node wedged by an accepted LAN route), trap 5",
	},
	Fix: "Drop --accept-routes on nodes inside advertised LANs, or restrict which routes the node may use in the " +
		"tailnet policy; advertise the LAN only from nodes that do not accept routes.",
	CheckNodes: func(nodes []*NodeFacts) []NodeResult {
		// Each node's own addresses are looked up by prefix length in an
		// index of the advertised prefixes, not compared with every peer:
		// linear in the nodes, not quadratic.
		byPrefix := advertisers(nodes)
		var out []NodeResult
		for i, c := range nodes {
			if c.Tailscale == nil {
				continue
			}
			if on, _ := c.Tailscale.ExtraArgs().Bool("accept-routes"); !on {
				continue
			}
			own := ownLAN(c)
			// The first peer, in input order, that advertises a prefix
			// holding one of the node's addresses.
			peer := -1
			for _, o := range own {
				a := o.Addr()
				for bits := 1; bits <= a.BitLen(); bits++ {
					k, err := a.Prefix(bits)
					if err != nil {
						break
					}
					for _, j := range byPrefix[k] { // distinct nodes: at most two are looked at
						if j != i {
							if peer < 0 || j < peer {
								peer = j
							}
							break
						}
					}
				}
			}
			if peer < 0 {
				continue
			}
			if r, o, ok := firstContaining(nodes[peer].Tailscale, own); ok {
				name := nodes[peer].Node
				if name == "" {
					name = nodes[peer].File
				}
				out = append(out, NodeResult{Node: i, Result: Result{
					Message: fmt.Sprintf("the node accepts tailnet routes and %s advertises %s, which contains its own %s: LAN replies go into tailscale0 (table 52)", name, r, o),
					At:      AtEnv("TS_EXTRA_ARGS"),
					Edits:   []Edit{DropFlags("TS_EXTRA_ARGS", "accept-routes")},
				}})
			}
		}
		return out
	},
	Check: func(*Config) []Result { return nil },
})

// ownLAN is what a node sits on: its static non-tailnet addresses, else the
// LAN prefixes its kubelet validSubnets pin.
// advertisers maps every advertised prefix (masked, not the default route)
// to the nodes that advertise it, in input order.
func advertisers(nodes []*NodeFacts) map[netip.Prefix][]int {
	out := map[netip.Prefix][]int{}
	for j, p := range nodes {
		if p.Tailscale == nil {
			continue
		}
		routes, _ := advertisedRoutes(p.Tailscale)
		for _, r := range routes {
			rp, err := netip.ParsePrefix(r)
			if err != nil || rp.Bits() == 0 {
				continue
			}
			k := rp.Masked()
			if l := out[k]; len(l) == 0 || l[len(l)-1] != j {
				out[k] = append(l, j)
			}
		}
	}
	return out
}

// firstContaining is the peer's first advertised route, in its own order,
// that contains one of own, and the first of own it contains.
func firstContaining(t *Tailscale, own []netip.Prefix) (string, netip.Prefix, bool) {
	routes, _ := advertisedRoutes(t)
	for _, r := range routes {
		rp, err := netip.ParsePrefix(r)
		if err != nil || rp.Bits() == 0 {
			continue
		}
		for _, o := range own {
			if rp.Masked().Contains(o.Addr()) || rp.Overlaps(o) && rp.Bits() <= o.Bits() {
				return r, o, true
			}
		}
	}
	return "", netip.Prefix{}, false
}

func ownLAN(c *NodeFacts) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range c.Addresses {
		if !tailnetip.IPv4.Contains(a.Addr()) && !tailnetip.IPv6.Contains(a.Addr()) {
			out = append(out, netip.PrefixFrom(a.Addr(), a.Addr().BitLen()))
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, v := range c.NodeIP.Values {
		p, err := parsePrefixOrAddr(v)
		if err != nil || v[0] == '!' || p.Overlaps(tailnetip.IPv4) || p.Overlaps(tailnetip.IPv6) || p.Bits() == 0 {
			continue
		}
		out = append(out, p)
	}
	return out
}
