package rules

var _ = register(&Rule{
	ID:       "TS091",
	Title:    "subnet router or exit node with net.ipv4.ip_forward disabled",
	Severity: Error,
	Topic:    TopicIPForwarding,
	Why: "Talos turns IPv4 forwarding on by default; a sysctl setting net.ipv4.ip_forward to 0 makes every " +
		"advertised route and the exit node a black hole (\"IP forwarding is disabled, subnet routing/exit nodes " +
		"will not work\").",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/runtime/kernel_param_defaults.go (net.ipv4.ip_forward=1 by default)",
		"tailscale/tailscale v1.96.5 net/netutil/ip_forward.go CheckIPForwarding (\"IP forwarding is disabled, subnet routing/exit nodes will not work.\")",
	},
	Fix: "Remove the sysctl or set net.ipv4.ip_forward: \"1\".",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil || c.Sysctls["net.ipv4.ip_forward"] != "0" {
			return nil
		}
		routes, key := advertisedRoutes(t)
		if len(routes) == 0 && !exitNode(t) {
			return nil
		}
		if key == "" {
			key = "TS_EXTRA_ARGS"
		}
		return []Result{{
			Message: "the node forwards tailnet traffic but net.ipv4.ip_forward is 0",
			At:      AtEnv(key),
			Edits:   []Edit{sysctlEdit(c, "net.ipv4.ip_forward", "1")},
		}}
	},
})
