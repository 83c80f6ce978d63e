package talosconf

import (
	"fmt"
	"slices"

	"github.com/siderolabs/talos/pkg/machinery/config"
)

// SupportedVersions are the Talos release lines tailos targets, oldest first.
// The lower bound is the first release configured by ExtensionServiceConfig
// (v1.7, extensions c677b87); the upper bound is what machinery v1.14.1 knows.
var supportedVersions = []string{"v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13", "v1.14"}

// DefaultTalosVersion is the newest stable Talos release tailos knows.
const DefaultTalosVersion = "v1.14.1"

// SupportedVersions returns the supported Talos release lines (vMAJOR.MINOR).
func SupportedVersions() []string { return slices.Clone(supportedVersions) }

// Contract parses a Talos version ("v1.13.9", "v1.14") into machinery's
// version contract, rejecting release lines tailos cannot target.
func Contract(talosVersion string) (*config.VersionContract, error) {
	c, err := config.ParseContractFromVersion(talosVersion)
	if err != nil {
		return nil, fmt.Errorf("talos version %q: %w", talosVersion, err)
	}
	line := fmt.Sprintf("v%d.%d", c.Major, c.Minor)
	if !slices.Contains(supportedVersions, line) {
		return nil, fmt.Errorf("talos version %q is not supported: tailos targets %s to %s",
			talosVersion, supportedVersions[0], supportedVersions[len(supportedVersions)-1])
	}
	return c, nil
}

// LegacyShapeVersion is the newest version whose generated configs still
// have the v1alpha1 shape (before 1.14 moved fields into new documents), or
// v itself when it is older.
func LegacyShapeVersion(v string) string {
	c, err := config.ParseContractFromVersion(v)
	if err != nil || !c.Greater(config.TalosVersion1_13) {
		return v
	}
	return "v1.13.0"
}

// GenerationVersion is the version to generate a stand-in for configs made
// by Talos v: v itself, or the oldest supported line for older ones (whose
// configs have the same v1alpha1 shape).
func GenerationVersion(v string) string {
	if _, err := Contract(v); err != nil {
		if c, perr := config.ParseContractFromVersion(v); perr == nil && !c.Greater(config.TalosVersion1_7) {
			return supportedVersions[0] + ".0"
		}
	}
	return v
}
