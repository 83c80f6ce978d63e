package rules

import (
	"fmt"
	"net/netip"
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
	CheckNodes: func(nodes []*Config) []NodeResult {
		var out []NodeResult
		for i, c := range nodes {
			if c.Tailscale == nil {
				continue
			}
			if on, _ := c.Tailscale.ExtraArgs().Bool("accept-routes"); !on {
				continue
			}
			own := ownLAN(c)
			if advertisedInInput(nodes, own) {
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

// advertisedInInput reports whether a node of the input advertises a
// prefix that overlaps one of own.
func advertisedInInput(nodes []*Config, own []netip.Prefix) bool {
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
