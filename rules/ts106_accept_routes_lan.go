package rules

import (
	"fmt"
	"net/netip"
	"slices"
)

var _ = register(&Rule{
	ID:       "TS106",
	Title:    "--accept-routes on a node whose LAN any peer could advertise",
	Severity: Warning,
	Topic:    TopicRoutes,
	Why: "With --accept-routes every approved subnet route of any peer goes into routing table 52, consulted before " +
		"the main table. Nothing in this input advertises the node's LAN (TS101 and TS104 cover that), but any " +
		"other device of the tailnet can: a home router advertising 192.168.1.0/24 for remote access is enough to " +
		"send the node's LAN replies — kubelet, apid, etcd — into tailscale0. Cluster nodes rarely need routes " +
		"from the tailnet.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 wgengine/router/osrouter/router_linux.go baseIPRules (rule 5270 looks up table 52 before main)",
		"lint/testdata/realworld/INDEX.md entry 20 (node wedged by an accepted LAN route), trap 5",
	},
	Fix: "Drop --accept-routes on cluster nodes; if a node needs a remote subnet, restrict route approval in the tailnet " +
		"policy (autoApprovers) so no device can get the cluster's LAN approved.",
	CheckNodes: func(nodes []*NodeFacts) []NodeResult {
		var out []NodeResult
		var adv *advertised
		for i, c := range nodes {
			if c.Tailscale == nil {
				continue
			}
			if on, _ := c.Tailscale.ExtraArgs().Bool("accept-routes"); !on {
				continue
			}
			own := ownLAN(c)
			if adv == nil {
				adv = newAdvertised(nodes)
			}
			if adv.overlaps(own) {
				continue // TS101/TS104 report it with the advertiser
			}
			res := Result{At: AtEnv("TS_EXTRA_ARGS"), Edits: []Edit{DropFlags("TS_EXTRA_ARGS", "accept-routes")}}
			if len(own) == 0 {
				res.Severity = sev(Info)
				res.Message = "the node accepts tailnet routes; its LAN is not in the config, but any peer advertising it would take the node's LAN replies into tailscale0"
			} else {
				res.Message = fmt.Sprintf("the node accepts tailnet routes: any peer that gets a route containing its %s approved takes the node's LAN replies into tailscale0 (table 52)", own[0])
			}
			out = append(out, NodeResult{Node: i, Result: res})
		}
		return out
	},
	Check: func(*Config) []Result { return nil },
})

// advertised is every prefix the nodes of an input advertise, indexed so
// that "does any of them overlap this prefix" costs a few map lookups and
// a binary search, not a pass over every node.
type advertised struct {
	set    map[netip.Prefix]bool
	starts []netip.Addr // the prefixes' first addresses, sorted
}

func newAdvertised(nodes []*NodeFacts) *advertised {
	a := &advertised{set: map[netip.Prefix]bool{}}
	for k := range advertisers(nodes) {
		a.set[k] = true
		a.starts = append(a.starts, k.Addr())
	}
	slices.SortFunc(a.starts, func(x, y netip.Addr) int { return x.Compare(y) })
	return a
}

// overlaps reports whether an advertised prefix overlaps one of own: two
// prefixes overlap exactly when one holds the other's first address.
func (a *advertised) overlaps(own []netip.Prefix) bool {
	for _, o := range own {
		o = o.Masked()
		start := o.Addr()
		for bits := 1; bits <= start.BitLen(); bits++ {
			if k, err := start.Prefix(bits); err == nil && a.set[k] {
				return true
			}
		}
		i, _ := slices.BinarySearchFunc(a.starts, start, func(x, t netip.Addr) int { return x.Compare(t) })
		if i < len(a.starts) && o.Contains(a.starts[i]) {
			return true
		}
	}
	return false
}
