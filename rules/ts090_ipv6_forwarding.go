package rules

import (
	"net/netip"
	"strings"
)

// advertisedRoutes returns the routes the node advertises: TS_ROUTES (which
// containerboot passes as --advertise-routes) or the flag itself.
func advertisedRoutes(t *Tailscale) (items []string, key string) {
	if v, ok := t.Lookup("TS_ROUTES"); ok {
		return splitList(v), "TS_ROUTES"
	}
	if f, ok := t.ExtraArgs().Find("advertise-routes"); ok {
		return splitList(f.Value), "TS_EXTRA_ARGS"
	}
	return nil, ""
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func exitNode(t *Tailscale) bool {
	on, _ := t.ExtraArgs().Bool("advertise-exit-node")
	return on
}

func sysctlEdit(c *Config, key, value string) Edit {
	if c.SysctlMultiDoc {
		return Edit{Doc: DocRef{Kind: "SysctlConfig"}, Path: []string{"params", key}, Value: value}
	}
	return Edit{Doc: DocV1Alpha1, Path: []string{"machine", "sysctls", key}, Value: value}
}

var _ = register(&Rule{
	ID:       "TS090",
	Title:    "exit node or IPv6 routes without net.ipv6.conf.all.forwarding",
	Severity: Error,
	Topic:    TopicIPForwarding,
	Why: "Talos enables net.ipv4.ip_forward and net.ipv6.conf.default.forwarding, but not " +
		"net.ipv6.conf.all.forwarding, which is what forwards IPv6 between interfaces and what tailscaled checks " +
		"(\"IPv6 forwarding is disabled, subnet routing/exit nodes may not work\"). An exit node (which always " +
		"advertises ::/0) or a subnet router for IPv6 prefixes then drops IPv6 traffic.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/runtime/kernel_param_defaults.go (net.ipv4.ip_forward=1 and net.ipv6.conf.default.forwarding=1, not all)",
		"tailscale/tailscale v1.96.5 net/netutil/ip_forward.go CheckIPForwarding (reads net.ipv6.conf.all.forwarding)",
		"tailscale/tailscale v1.96.5 cmd/tailscale/cli/up.go warnOnAdvertiseRoutes; https://tailscale.com/s/ip-forwarding",
	},
	Fix: "Add the sysctl net.ipv6.conf.all.forwarding: \"1\" (machine.sysctls, or a SysctlConfig document on Talos ≥ 1.14).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil || c.Sysctls["net.ipv6.conf.all.forwarding"] == "1" {
			return nil
		}
		routes, key := advertisedRoutes(t)
		why := ""
		switch {
		case exitNode(t):
			why, key = "the node is an exit node", "TS_EXTRA_ARGS"
		default:
			for _, r := range routes {
				if p, err := netip.ParsePrefix(r); err == nil && p.Addr().Is6() {
					why = "the node advertises the IPv6 route " + r
					break
				}
			}
		}
		if why == "" {
			return nil
		}
		return []Result{{
			Message: why + " but net.ipv6.conf.all.forwarding is not 1",
			At:      AtEnv(key),
			Edits:   []Edit{sysctlEdit(c, "net.ipv6.conf.all.forwarding", "1")},
		}}
	},
})
