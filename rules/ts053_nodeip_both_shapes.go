package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS053",
	Title:    "kubelet node IP set in both v1alpha1 and KubeNodeConfig",
	Severity: Error,
	Topic:    TopicNodeIP,
	Why: "Talos 1.14 moved machine.kubelet.nodeIP into the KubeNodeConfig document. When both are present the " +
		"document wins and Talos's validation rejects the v1alpha1 field as a conflict; a patch written for the old " +
		"shape therefore either breaks apply-config or silently stops pinning the node IP away from the tailnet.",
	Sources: []string{
		"siderolabs/talos v1.14.1 CHANGELOG.md, Talos 1.14.0 (\"Kubernetes Multi-document Configuration\": KubeNodeConfig)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/types/k8s/node.go (\".machine.kubelet.nodeIP is already set in v1alpha1 config\")",
		"lint/testdata/realworld/INDEX.md entry 05",
	},
	Fix: "Keep one shape: on Talos ≥ 1.14 put validSubnets under KubeNodeConfig nodeIP and delete " +
		"machine.kubelet.nodeIP.",
	Check: func(c *Config) []Result {
		if !c.NodeIP.MultiDoc || len(c.LegacyNodeIP) == 0 {
			return nil
		}
		return []Result{{
			Message: fmt.Sprintf("machine.kubelet.nodeIP.validSubnets %v is shadowed by KubeNodeConfig nodeIP %v", c.LegacyNodeIP, c.NodeIP.Values),
			At:      At(DocV1Alpha1, "machine.kubelet.nodeIP.validSubnets"),
			Edits:   []Edit{{Doc: DocV1Alpha1, Path: []string{"machine", "kubelet", "nodeIP"}, Delete: true}},
		}}
	},
})
