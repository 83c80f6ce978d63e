package rules

import (
	"fmt"
	"strings"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS055",
	Title:    "kubelet validSubnets admits both a LAN and the tailnet: list order decides",
	Severity: Warning,
	Topic:    TopicNodeIP,
	Why: "Talos filters the node's addresses through validSubnets entry by entry, in list order, and keeps the " +
		"first IPv4 (and first IPv6) address that matches. With [192.168.1.0/24, 100.64.0.0/10] the LAN address " +
		"wins whenever the node has one, and the tailnet entry only matters when it has none; with the tailnet " +
		"entry first, the tailnet address wins whenever tailscaled is up. Strategic-merge patches append to lists, " +
		"so a per-node patch that adds 100.64.0.0/10 to pin a remote node to the tailnet lands behind the global " +
		"LAN entry and pins nothing — the remote node registers with whatever matches the LAN entry.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/k8s/nodeip.go (net.FilterIPs, first IPv4/IPv6 kept)",
		"github.com/siderolabs/net v0.4.0 net.go FilterIPs (outer loop over the subnets, in order)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/merge/merge.go (a patch's list is appended to the base list)",
		"lint/testdata/realworld/INDEX.md entry 17",
	},
	Fix: "Give each node one intent: on a node meant to use the tailnet, replace the list " +
		"(`$patch: replace` or a KubeNodeConfig on Talos ≥ 1.14) with [100.64.0.0/10]; on LAN nodes, keep the LAN " +
		"entry and append \"!100.64.0.0/10\".",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		lan, tail, lanFirst, ok := lanAndTailnet(c.NodeIP.Values)
		if !ok {
			return nil
		}
		msg := fmt.Sprintf("validSubnets %v admits the LAN %s and the tailnet %s; Talos takes the first match in list order, ", c.NodeIP.Values, lan, tail)
		if lanFirst {
			msg += fmt.Sprintf("so the node's %s address wins whenever it has one and the %s entry pins nothing (lists from several patches are appended, not replaced)", lan, tail)
		} else {
			msg += fmt.Sprintf("so the tailnet address wins whenever tailscaled is up, and %s only while it is down", lan)
		}
		return []Result{{Message: msg, At: c.NodeIP.At}}
	},
})

// lanAndTailnet finds, among the positive entries of a validSubnets list,
// a LAN prefix (one outside the tailnet that does not cover it) and a
// tailnet prefix, and says which comes first.
func lanAndTailnet(values []string) (lan, tail string, lanFirst, ok bool) {
	lanAt, tailAt := -1, -1
	for i, v := range values {
		if strings.HasPrefix(v, "!") {
			continue
		}
		p, err := parsePrefixOrAddr(v)
		if err != nil || !p.Addr().Is4() {
			continue
		}
		switch {
		case covers(tailnetip.IPv4, p):
			if tailAt < 0 {
				tailAt, tail = i, v
			}
		case !p.Overlaps(tailnetip.IPv4) && p.Bits() > 0:
			if lanAt < 0 {
				lanAt, lan = i, v
			}
		}
	}
	if lanAt < 0 || tailAt < 0 {
		return "", "", false, false
	}
	return lan, tail, lanAt < tailAt, true
}

// listOrderDecides reports whether TS055 judges this list (so the
// numeric-sort reasoning of TS050 does not apply).
func listOrderDecides(values []string) bool {
	_, _, _, ok := lanAndTailnet(values)
	return ok
}
