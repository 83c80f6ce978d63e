package talosconf

import (
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/container"
	"github.com/siderolabs/talos/pkg/machinery/config/types/k8s"
	"github.com/siderolabs/talos/pkg/machinery/config/types/network"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime"
)

// Shape says where a patch puts the settings Talos moved out of the
// v1alpha1 document. A machine config keeps the shape of the tooling that
// generated it through every upgrade, and Talos rejects a patch whose new
// documents meet the v1alpha1 fields they replace ("UnattendedInstallConfig
// config is incompatible with v1alpha1 config (.machine.install)"), so a
// patch must be written in the shape of the config it lands on.
type Shape struct {
	// KubeNodeConfig (1.14) instead of machine.kubelet.nodeIP.
	KubeNodeConfig bool `json:"kubeNodeConfig"`
	// UnattendedInstallConfig (1.14) instead of machine.install.
	UnattendedInstallConfig bool `json:"unattendedInstallConfig"`
	// SysctlConfig (1.14) instead of machine.sysctls.
	SysctlConfig bool `json:"sysctlConfig"`
	// KubeSpanConfig (1.13) instead of machine.network.kubespan.
	KubeSpanConfig bool `json:"kubeSpanConfig"`
}

// ShapeOfVersion is the shape of the configs `talosctl gen config
// --talos-version VERSION` writes: machinery's version contract for it.
func ShapeOfVersion(version string) (Shape, error) {
	c, err := config.ParseContractFromVersion(version)
	if err != nil {
		return Shape{}, fmt.Errorf("talos version %q: %w", version, err)
	}
	return shapeOfContract(c), nil
}

func shapeOfContract(c *config.VersionContract) Shape {
	return Shape{
		KubeNodeConfig:          c.MultidocKubernetesConfigSupported(),
		UnattendedInstallConfig: c.UnattendedInstallConfig(),
		SysctlConfig:            c.MultidocSysctlConfigSupported(),
		KubeSpanConfig:          c.KubeSpanMultidocConfig(),
	}
}

// And keeps the documents both shapes use: what a cluster created with one
// version can take while running another.
func (s Shape) And(o Shape) Shape {
	return Shape{
		KubeNodeConfig:          s.KubeNodeConfig && o.KubeNodeConfig,
		UnattendedInstallConfig: s.UnattendedInstallConfig && o.UnattendedInstallConfig,
		SysctlConfig:            s.SysctlConfig && o.SysctlConfig,
		KubeSpanConfig:          s.KubeSpanConfig && o.KubeSpanConfig,
	}
}

// Multidoc reports whether the shape uses the Talos 1.14 documents.
func (s Shape) Multidoc() bool { return s.UnattendedInstallConfig || s.KubeNodeConfig }

// Name is the shape in one word: "v1.14" (the 1.14 documents) or
// "v1alpha1" (the fields configs made by Talos ≤ 1.13 tooling use).
func (s Shape) Name() string {
	if s.Multidoc() {
		return "v1.14"
	}
	return "v1alpha1"
}

// String names where the settings go, for messages.
func (s Shape) String() string {
	var docs []string
	if s.UnattendedInstallConfig {
		docs = append(docs, "UnattendedInstallConfig")
	} else {
		docs = append(docs, "machine.install")
	}
	if s.KubeNodeConfig {
		docs = append(docs, "KubeNodeConfig")
	} else {
		docs = append(docs, "machine.kubelet.nodeIP")
	}
	return s.Name() + " (" + strings.Join(docs, ", ") + ")"
}

// probes are one empty document per moved setting; machinery's own
// V1Alpha1ConflictValidate on them says whether a config's v1alpha1
// document already holds the setting.
func probes() map[string]container.V1Alpha1ConflictValidator {
	return map[string]container.V1Alpha1ConflictValidator{
		k8s.KubeNodeConfig:                  k8s.NewKubeNodeConfigV1Alpha1(),
		runtime.UnattendedInstallConfigKind: runtime.NewUnattendedInstallConfigV1Alpha1(),
		network.KubeSpanKind:                network.NewKubeSpanV1Alpha1(),
	}
}

// ShapeOfConfigs is the shape patches for these configs (a cluster's
// controlplane.yaml and worker.yaml) must have, within what the target
// Talos version allows. A setting goes into its new document when no
// config holds it in v1alpha1 (as machinery's conflict validation decides)
// and, for the documents Talos 1.14 introduced, unless a config already
// uses that document, the configs are not v1alpha1-shaped: a config that
// keeps machine.install was made by tooling older than 1.14, whose configs
// the 1.14 documents would not match.
func ShapeOfConfigs(target Shape, cfgs ...config.Provider) Shape {
	conflict := map[string]bool{}
	present := map[string]bool{}
	for _, cfg := range cfgs {
		for _, d := range cfg.Documents() {
			present[d.Kind()] = true
		}
		raw := cfg.RawV1Alpha1()
		if raw == nil {
			continue
		}
		for kind, p := range probes() {
			if p.V1Alpha1ConflictValidate(raw) != nil {
				conflict[kind] = true
			}
		}
	}
	legacy := conflict[runtime.UnattendedInstallConfigKind]
	use := func(allowed bool, kind string) bool {
		return allowed && !conflict[kind] && (present[kind] || !legacy)
	}
	return Shape{
		KubeNodeConfig:          use(target.KubeNodeConfig, k8s.KubeNodeConfig),
		UnattendedInstallConfig: use(target.UnattendedInstallConfig, runtime.UnattendedInstallConfigKind),
		SysctlConfig:            use(target.SysctlConfig, runtime.SysctlConfigKind),
		// A 1.13 document: configs made by 1.13 tooling have machine.install.
		KubeSpanConfig: target.KubeSpanConfig && !conflict[network.KubeSpanKind],
	}
}

// ShapeConflict is a document of the new shape next to the v1alpha1 field
// it replaces, which Talos refuses to load.
type ShapeConflict struct {
	Kind   string // the document, e.g. UnattendedInstallConfig
	Reason string // machinery's message
}

func (c ShapeConflict) String() string { return c.Kind + ": " + c.Reason }

// ShapeConflicts are machinery's reasons why cfg cannot be loaded by Talos
// as it stands, from the documents' own V1Alpha1ConflictValidate.
func ShapeConflicts(cfg config.Provider) []ShapeConflict {
	raw := cfg.RawV1Alpha1()
	if raw == nil {
		return nil
	}
	var out []ShapeConflict
	for _, d := range cfg.Documents() {
		cv, ok := d.(container.V1Alpha1ConflictValidator)
		if !ok {
			continue
		}
		if err := cv.V1Alpha1ConflictValidate(raw); err != nil {
			out = append(out, ShapeConflict{Kind: d.Kind(), Reason: err.Error()})
		}
	}
	return out
}
