package rules

import (
	"fmt"
	"net/netip"
)

var _ = register(&Rule{
	ID:       "TS105",
	Title:    "duplicate or redundant advertised routes",
	Severity: Warning,
	Topic:    TopicRoutes,
	Why: "The tailscale CLI folds the advertised routes into a set, so a CIDR listed twice, or one inside another, " +
		"is silently dropped. That is how a copy-paste slip hides: the pod CIDR pasted where the service CIDR " +
		"was meant advertises one network twice and the other not at all, and clients cannot reach services.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 net/netutil/routes.go CalcAdvertiseRoutes (routes collected into a set)",
		"tailscale/tailscale v1.96.5 cmd/containerboot/settings.go (TS_ROUTES passed to --advertise-routes)",
	},
	Fix: "List each network once; advertise the pod and the service CIDR (cluster.network.podSubnets and " +
		"serviceSubnets) when both are meant, e.g. TS_ROUTES=10.244.0.0/16,10.96.0.0/12.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		routes, key := advertisedRoutes(t)
		var seen []netip.Prefix
		var out []Result
		for _, r := range routes {
			p, err := netip.ParsePrefix(r)
			if err != nil || Unresolved(r) {
				continue // TS100 reports invalid entries
			}
			p = p.Masked()
			for _, s := range seen {
				switch {
				case s == p:
					msg := fmt.Sprintf("%s lists %s twice", key, p)
					if what := clusterNet(c, p); what != "" {
						if miss := missingClusterNet(c, routes); miss != "" {
							msg += fmt.Sprintf(" (the %s); %s is not advertised — was it meant?", what, miss)
						}
					}
					out = append(out, Result{Message: msg, At: AtEnv(key)})
				case covers(s, p) || covers(p, s):
					out = append(out, Result{Message: fmt.Sprintf("%s lists %s and %s, one inside the other: the narrower one is redundant", key, s, p), At: AtEnv(key)})
				default:
					continue
				}
				break
			}
			seen = append(seen, p)
		}
		return out
	},
})

// clusterNet names p when it is the node's pod or service CIDR.
func clusterNet(c *Config, p netip.Prefix) string {
	for _, x := range c.PodCIDRs {
		if x.Masked() == p {
			return "pod CIDR"
		}
	}
	for _, x := range c.ServiceCIDRs {
		if x.Masked() == p {
			return "service CIDR"
		}
	}
	return ""
}

// missingClusterNet returns a pod or service CIDR the routes leave out.
func missingClusterNet(c *Config, routes []string) string {
	listed := map[netip.Prefix]bool{}
	for _, r := range routes {
		if p, err := netip.ParsePrefix(r); err == nil {
			listed[p.Masked()] = true
		}
	}
	for _, x := range append(append([]netip.Prefix{}, c.ServiceCIDRs...), c.PodCIDRs...) {
		if !listed[x.Masked()] {
			return x.Masked().String()
		}
	}
	return ""
}
