package rules

var _ = register(&Rule{
	ID:       "TS060",
	Title:    "etcd can advertise the tailnet address (management mode)",
	Severity: Error,
	Topic:    TopicEtcdAdvertise,
	Why: "Without cluster.etcd.advertisedSubnets etcd advertises the first routed address, sorted numerically, " +
		"which is tailscale0's 100.64.x address on 172.16/12 and 192.168/16 LANs. Peers then dial each other over the " +
		"tailnet; when ext-tailscale is not up (boot, upgrade, expired key) the control plane loses quorum. Changing " +
		"it later needs a reboot.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/etcd/spec.go (without advertisedSubnets: \"advertise the first address\" of the routed addresses)",
		"siderolabs/extensions#1091 (etcd never comes up), siderolabs/talos#9605",
	},
	Fix: "Set cluster.etcd.advertisedSubnets to the LAN (e.g. [192.168.1.0/24]) or append \"!100.64.0.0/10\".",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || c.Mode != ModeManagement || c.Role == "worker" {
			return nil
		}
		vals := exclusionValues(c.Etcd.Values, hasIPv6(c.ServiceCIDRs))
		return subnetRisk(c, c.Etcd, "etcd advertised address",
			SetField(DocV1Alpha1, "cluster.etcd.advertisedSubnets", vals, false))
	},
})
