package rules

import (
	"fmt"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS005",
	Title:    "a patch's documents do not match the shape of the machine config",
	Severity: Error,
	Topic:    TopicConfigShape,
	Why: "A machine config keeps the shape of the tooling that generated it through every upgrade: configs made by " +
		"Talos 1.13 or older keep machine.install, machine.kubelet and machine.nodeLabels in the v1alpha1 document; " +
		"configs made by 1.14 carry UnattendedInstallConfig, KubeNodeConfig and the other new documents instead. A " +
		"new document next to the v1alpha1 field it replaces is refused by Talos when the config is applied " +
		"(\"UnattendedInstallConfig config is incompatible with v1alpha1 config (.machine.install)\", " +
		"\".machine.nodeLabels is already set in v1alpha1 config\"), so a patch written for the other shape never " +
		"reaches the node.",
	Sources: []string{
		"siderolabs/talos v1.14.1 pkg/machinery/config/container/validate.go (V1Alpha1ConflictValidate for every document)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/types/runtime/unattended_install.go and types/k8s/node.go",
		"siderolabs/talos v1.14.1 pkg/machinery/config/contract.go (UnattendedInstallConfig, MultidocKubernetesConfigSupported: 1.14)",
	},
	Fix: "Write the patch in the config's shape: `tailos gen --base controlplane.yaml --base worker.yaml` reads it " +
		"from the cluster's configs, or set cluster.createdWith to the Talos version that generated them " +
		"(v1.13 for v1alpha1 fields).",
	Check: func(c *Config) []Result {
		var out []Result
		for _, sc := range c.ShapeConflicts {
			if !shapeDocs[sc.Kind] {
				continue // not a setting the 1.13/1.14 shapes place differently
			}
			if sc.Kind == "KubeNodeConfig" && strings.Contains(sc.Reason, ".machine.kubelet.nodeIP") && len(c.LegacyNodeIP) > 0 {
				continue // TS053 reports it, with a fix
			}
			out = append(out, Result{
				Message: fmt.Sprintf("%s cannot go into this config, which is v1alpha1-shaped: %s", sc.Kind, sc.Reason),
				At:      Loc{Doc: DocRef{Kind: sc.Kind}},
			})
		}
		return out
	},
})

// shapeDocs are the documents that replace v1alpha1 fields tailos patches
// (talosconf.Shape): install image, kubelet node IP, KubeSpan.
var shapeDocs = map[string]bool{"UnattendedInstallConfig": true, "KubeNodeConfig": true, "KubeSpanConfig": true}
