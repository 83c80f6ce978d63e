package rules

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS103",
	Title:    "several nodes are exit nodes or routers for the same prefix",
	Severity: Info,
	Topic:    TopicRoutes,
	Why: "When the same ExtensionServiceConfig goes to every node, every node advertises the same routes or offers " +
		"itself as an exit node. Each advertisement needs approval (autoApprovers in the tailnet policy, or by hand " +
		"per device); for a subnet route the control server makes one node primary and fails over to another when " +
		"it goes offline (high availability), and for exit nodes each client picks one. That can be intended, but " +
		"every control-plane node then also forwards traffic for the tailnet.",
	Sources: []string{
		"https://tailscale.com/docs/reference/syntax/policy-file.md (autoApprovers: routes and exitNode)",
		"juanfont/headscale v0.27.0 hscontrol/policy/v2/policy.go NodeCanApproveRoute",
		"lint/testdata/realworld/INDEX.md trap 6 (entries 08, 10, 11, 13, 14, 16, 19/20)",
	},
	Fix: "Advertise routes or the exit node from one or two chosen nodes (per-node ExtensionServiceConfig), and " +
		"add autoApprovers for them in the tailnet policy.",
	CheckNodes: func(nodes []*NodeFacts) []NodeResult {
		ts := 0
		exits := []int{}
		byRoute := map[string][]int{}
		for i, c := range nodes {
			if c.Tailscale == nil {
				continue
			}
			ts++
			if exitNode(c.Tailscale) {
				exits = append(exits, i)
			}
			routes, _ := advertisedRoutes(c.Tailscale)
			seen := map[string]bool{}
			for _, r := range routes {
				p, err := netip.ParsePrefix(r)
				if err != nil || p.Bits() == 0 {
					continue // exit routes are counted as exit nodes
				}
				k := p.Masked().String()
				if !seen[k] {
					seen[k] = true
					byRoute[k] = append(byRoute[k], i)
				}
			}
		}
		if ts < 2 {
			return nil
		}
		var out []NodeResult
		if len(exits) >= 2 {
			what := fmt.Sprintf("%d of %d nodes", len(exits), ts)
			if len(exits) == ts {
				what = fmt.Sprintf("all %d nodes", ts)
			}
			msg := fmt.Sprintf("%s advertise an exit node (%s): each needs approval, and clients choose among them", what, names(nodes, exits))
			for _, i := range exits {
				out = append(out, NodeResult{Node: i, Result: Result{
					Message: msg,
					At:      AtEnv("TS_EXTRA_ARGS"),
				}})
			}
		}
		routes := make([]string, 0, len(byRoute))
		for r := range byRoute {
			routes = append(routes, r)
		}
		sort.Strings(routes)
		for _, r := range routes {
			idx := byRoute[r]
			if len(idx) < 2 {
				continue
			}
			// One message for all of them: built per node it would cost
			// the square of the nodes.
			msg := fmt.Sprintf("%d nodes advertise %s (%s): one is primary at a time, and each must be approved", len(idx), r, names(nodes, idx))
			for _, i := range idx {
				_, key := advertisedRoutes(nodes[i].Tailscale)
				out = append(out, NodeResult{Node: i, Result: Result{
					Message: msg,
					At:      AtEnv(key),
				}})
			}
		}
		return out
	},
	Check: func(*Config) []Result { return nil },
})

func names(nodes []*NodeFacts, idx []int) string {
	var ns []string
	for _, i := range idx {
		n := nodes[i].Node
		if n == "" {
			n = nodes[i].File
		}
		ns = append(ns, n)
	}
	return strings.Join(ns, ", ")
}
