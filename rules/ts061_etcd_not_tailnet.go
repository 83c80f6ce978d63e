package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS061",
	Title:    "etcd is not pinned to the tailnet (cluster-network mode)",
	Severity: Error,
	Topic:    TopicEtcdAdvertise,
	Why: "In cluster-network mode control planes may only share the tailnet; etcd must advertise its 100.64.0.0/10 " +
		"address or members on other sites cannot reach it.",
	Sources: []string{
		"hsudbrock/talos-tailscale scripts/generate-configs.sh (etcd advertisedSubnets: [100.64.0.0/10])",
		"lint/testdata/realworld/INDEX.md entry 18",
	},
	Fix: "Set cluster.etcd.advertisedSubnets to [100.64.0.0/10].",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || c.Mode != ModeClusterNetwork || c.Role == "worker" || PinsTailnet(c.Etcd.Values) || c.Etcd.Unresolved() {
			return nil
		}
		r := Result{
			Message: fmt.Sprintf("advertisedSubnets %v does not pin etcd to 100.64.0.0/10", c.Etcd.Values),
			At:      c.Etcd.At,
			Edits:   []Edit{pinTailnetEdit(c, c.Etcd, "", "", "cluster.etcd.advertisedSubnets")},
		}
		if c.Role == "" {
			r.Severity = sev(Warning)
			r.Message += " (if this patch is for a control plane)"
		}
		return []Result{r}
	},
})
