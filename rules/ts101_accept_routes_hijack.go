package rules

import (
	"fmt"
	"net/netip"
)

var _ = register(&Rule{
	ID:       "TS101",
	Title:    "--accept-routes on a node whose own networks are advertised on the tailnet",
	Severity: Warning,
	Topic:    TopicRoutes,
	Why: "tailscaled installs accepted subnet routes in routing table 52, consulted (ip rule 5270) before the main " +
		"table. When routes covering this node's own pod/service CIDRs or LAN are advertised on the tailnet — by this " +
		"very patch on its peers — the node sends its own cluster and LAN replies into tailscale0: kubelet, apid and " +
		"pod traffic break and the node goes NotReady.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 wgengine/router/osrouter/router_linux.go baseIPRules (rule 5270 looks up table 52 before main)",
		"lint/testdata/realworld/INDEX.md trap 5 and entry 20 (node wedged by an accepted LAN route)",
	},
	Fix: "Remove --accept-routes from TS_EXTRA_ARGS on nodes inside the advertised networks (cluster nodes rarely " +
		"need tailnet subnet routes), or advertise only prefixes the nodes are not part of.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		args := t.ExtraArgs()
		if on, _ := args.Bool("accept-routes"); !on {
			return nil
		}
		routes, _ := advertisedRoutes(t)
		type network struct {
			what   string
			prefix netip.Prefix
		}
		var own []network
		for _, p := range c.PodCIDRs {
			own = append(own, network{"pod CIDR", p})
		}
		for _, p := range c.ServiceCIDRs {
			own = append(own, network{"service CIDR", p})
		}
		for _, p := range c.Addresses {
			own = append(own, network{"LAN", p.Masked()})
		}
		// A pod CIDR or LAN overlap hijacks traffic outright. Traffic to a
		// service CIDR is mostly translated to pod IPs before the route
		// lookup (kube-proxy's nat OUTPUT/PREROUTING, Cilium's socket LB),
		// so an overlap there alone is reported as info.
		var hit *Result
		for _, r := range routes {
			p, err := netip.ParsePrefix(r)
			if err != nil || p.Bits() == 0 {
				continue
			}
			for _, o := range own {
				if !p.Overlaps(o.prefix) {
					continue
				}
				res := Result{
					Message: fmt.Sprintf("the node accepts tailnet routes and advertises %s, which overlaps its own %s %s: peers advertising it too hijack local traffic", r, o.what, o.prefix),
					At:      AtEnv("TS_EXTRA_ARGS"),
					Edits:   []Edit{DropFlags("TS_EXTRA_ARGS", "accept-routes")},
				}
				if o.what != "service CIDR" {
					return []Result{res}
				}
				if hit == nil {
					res.Severity = sev(Info)
					res.Message = fmt.Sprintf("the node accepts tailnet routes and advertises %s, which overlaps its own service CIDR %s: a peer's copy lands in table 52, but service traffic is normally translated to pod IPs (kube-proxy, Cilium) before that route is looked up", r, o.prefix)
					hit = &res
				}
			}
		}
		if hit != nil {
			return []Result{*hit}
		}
		return nil
	},
})
