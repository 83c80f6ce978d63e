package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailscaleext"
)

var _ = register(&Rule{
	ID:       "TS002",
	Title:    "tailscale extension installed but no ExtensionServiceConfig named tailscale",
	Severity: Warning,
	Topic:    TopicExtensionMissing,
	Why: "Since extensions v1.7.0 the tailscale service declares `depends: configuration: true`: ext-tailscale stays " +
		"in Waiting until an ExtensionServiceConfig named tailscale exists. A node whose schematic carries the " +
		"extension but whose config has no such document never joins the tailnet (and `talosctl apply-config` with " +
		"a file that lacks it removes it).",
	Sources: []string{
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (depends: configuration: true)",
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/system/services/extension.go (Condition: waits for the ExtensionServiceConfig status named after the extension)",
		"siderolabs/extensions c677b87 \"feat: use ExtensionServiceConfig document\"",
		"Sarapuce/write-ups Talos/README.md (\"Always apply with the patch file, otherwise, tailscale config will be deleted.\")",
	},
	Fix: "Add an ExtensionServiceConfig document (apiVersion v1alpha1, name: tailscale) with at least TS_AUTHKEY and " +
		"TS_AUTH_ONCE=true, or remove the extension from the schematic.",
	Check: func(c *Config) []Result {
		if c.Tailscale != nil || !c.Install.SchematicKnown || !hasTailscale(c.Install.Extensions) {
			return nil
		}
		if c.LegacyAuthEnv != nil && c.TalosBefore(1, 7) {
			return nil // before 1.7 the extension reads /var/etc/tailscale/auth.env instead
		}
		r := Result{
			Message: fmt.Sprintf("schematic %s includes %s but the config has no ExtensionServiceConfig named tailscale: ext-tailscale waits forever",
				short(c.Install.SchematicID), tailscaleext.Name),
			At: c.Install.At,
		}
		if !c.Complete {
			r.Severity = sev(Info)
			r.Message += " (unless another patch adds it)"
		}
		return []Result{r}
	},
})
