package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS051",
	Title:    "kubelet node IP is not pinned to the tailnet (cluster-network mode)",
	Severity: Error,
	Topic:    TopicNodeIP,
	Why: "In cluster-network mode nodes reach each other only over the tailnet, so the kubelet must register its " +
		"100.64.0.0/10 address. Without validSubnets pinned to the tailnet Talos takes the numerically first " +
		"address, which is the LAN one whenever the LAN is 10.0.0.0/8 (or the tailnet address is not up yet at " +
		"boot): pods on other sites are unreachable.",
	Sources: []string{
		"michaelbeaumont/k8rn infra/files/base.yaml.tmpl and hsudbrock/talos-tailscale scripts/generate-configs.sh (kubelet validSubnets pinned to the tailnet on purpose)",
		"lint/testdata/realworld/INDEX.md entry 18 (tailnet-native module without validSubnets)",
	},
	Fix: "Set validSubnets to [100.64.0.0/10] (add fd7a:115c:a1e0::/48 for IPv6), replacing LAN entries.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || c.Mode != ModeClusterNetwork || PinsTailnet(c.NodeIP.Values) || c.NodeIP.Unresolved() {
			return nil
		}
		return []Result{{
			Message: fmt.Sprintf("validSubnets %v does not pin the kubelet to 100.64.0.0/10", c.NodeIP.Values),
			At:      c.NodeIP.At,
			Edits:   []Edit{pinTailnetEdit(c, c.NodeIP, "KubeNodeConfig", "nodeIP.validSubnets", "machine.kubelet.nodeIP.validSubnets")},
		}}
	},
})

func pinTailnetEdit(c *Config, s Subnets, kind, docPath, legacyPath string) Edit {
	vals := []string{tailnetip.IPv4.String()}
	if hasIPv6(c.ServiceCIDRs) {
		vals = append(vals, tailnetip.IPv6.String())
	}
	if s.MultiDoc {
		return SetField(DocRef{Kind: kind}, docPath, vals, len(s.Values) > 0)
	}
	return SetField(DocV1Alpha1, legacyPath, vals, len(s.Values) > 0)
}
