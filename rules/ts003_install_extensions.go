package rules

import (
	"fmt"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS003",
	Title:    "tailscale listed in the deprecated machine.install.extensions",
	Severity: Error,
	Topic:    TopicExtensionMissing,
	Why: "machine.install.extensions has been deprecated since Talos 1.5 and has no effect since 1.10; system " +
		"extensions now come only from the installer image's schematic. Listing the tailscale image there installs " +
		"nothing, so the ExtensionServiceConfig (if any) waits for a service that does not exist.",
	Sources: []string{
		"siderolabs/talos v1.14.1 CHANGELOG.md, Talos 1.10.0-alpha.3 (`.machine.install.extensions` has no effect starting from Talos 1.10; commit 2b8e08234)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go (\".machine.install.extensions is deprecated\" warning)",
		"lint/testdata/realworld/INDEX.md trap 2 (entries 09, 13, 14)",
		"siderolabs/talos#8467",
	},
	Fix: "Remove machine.install.extensions and put siderolabs/tailscale into an Image Factory schematic; point " +
		"machine.install.image at that schematic's installer.",
	Check: func(c *Config) []Result {
		var out []Result
		for _, img := range c.InstallExtensions {
			r := Result{
				Message: fmt.Sprintf("machine.install.extensions lists %s, which Talos ignores", img),
				At:      At(DocV1Alpha1, "machine.install.extensions"),
			}
			if !strings.Contains(img, "tailscale") {
				r.Severity = sev(Warning)
			}
			out = append(out, r)
		}
		return out
	},
})
