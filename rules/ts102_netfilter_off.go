package rules

var _ = register(&Rule{
	ID:       "TS102",
	Title:    "--netfilter-mode=off on a subnet router or exit node",
	Severity: Warning,
	Topic:    TopicRoutes,
	Why: "With --netfilter-mode=off tailscaled installs no firewall rules at all, including the ts-postrouting " +
		"MASQUERADE that source-NATs traffic to advertised routes (the default --snat-subnet-routes=true). Replies " +
		"from the LAN or the cluster then go to 100.64.x addresses the network has no route for, unless the CNI or " +
		"router handles it.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/tailscale/cli/up.go (--netfilter-mode, --snat-subnet-routes)",
		"tailscale/tailscale v1.96.5 util/linuxfw/iptables_runner.go (ts-postrouting MASQUERADE of subnet-route traffic)",
		"lint/testdata/realworld/INDEX.md entry 20",
	},
	Fix: "Keep the default netfilter mode on routers, or route 100.64.0.0/10 back to the router (and pass " +
		"--snat-subnet-routes=false deliberately).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		f, ok := t.ExtraArgs().Find("netfilter-mode")
		if !ok || f.Value != "off" {
			return nil
		}
		if routes, _ := advertisedRoutes(t); len(routes) == 0 && !exitNode(t) {
			return nil
		}
		return []Result{{
			Message: "--netfilter-mode=off with advertised routes: no SNAT for subnet traffic",
			At:      AtEnv("TS_EXTRA_ARGS"),
		}}
	},
})
