package rules

import (
	"fmt"
	"net/netip"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS054",
	Title:    "validSubnets or advertisedSubnets entry with host bits set",
	Severity: Info,
	Topic:    TopicNodeIP,
	Why: "An entry like 192.168.8.1/24 mixes an address and a prefix length. Talos parses it as a prefix and " +
		"netip.Prefix.Contains ignores the host bits, so it selects 192.168.8.0/24 — which may not be what was " +
		"meant (the node's own address would be 192.168.8.1/32). The tailscale CLI rejects the same form in " +
		"--advertise-routes (\"has non-address bits set\"), so copying it between the two fails there.",
	Sources: []string{
		"github.com/siderolabs/net v0.4.0 net.go ParseSubnetOrAddress, FilterIPs (netip.ParsePrefix keeps host bits; Prefix.Contains ignores them)",
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/k8s/nodeip.go and internal/app/machined/pkg/controllers/etcd/spec.go (both use net.FilterIPs)",
		"tailscale/tailscale v1.96.5 net/netutil/routes.go CalcAdvertiseRoutes (\"has non-address bits set\")",
		"lint/testdata/realworld/INDEX.md entry 13",
	},
	Fix: "Write the network form (192.168.8.0/24), or a single address without a length if one address was meant.",
	Check: func(c *Config) []Result {
		var out []Result
		for _, s := range []Subnets{c.NodeIP, c.Etcd} {
			for _, v := range s.Values {
				p, err := netip.ParsePrefix(strings.TrimPrefix(v, "!"))
				if err != nil || p == p.Masked() {
					continue
				}
				canon := p.Masked().String()
				if strings.HasPrefix(v, "!") {
					canon = "!" + canon
				}
				out = append(out, Result{
					Message: fmt.Sprintf("%s has host bits set: Talos matches it as %s", v, canon),
					At:      s.At,
				})
			}
		}
		return out
	},
})
