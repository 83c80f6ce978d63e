package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS010",
	Title:    "install image is not an Image Factory installer",
	Severity: Error,
	Topic:    TopicUpgradeImage,
	Why: "Only an Image Factory installer (factory.talos.dev/<platform>-installer/<schematic>:<version>) carries " +
		"system extensions. The plain ghcr.io/siderolabs/installer has none (and is no longer published from Talos " +
		"1.14), and with no install image at all `talosctl upgrade` falls back to the empty-schematic installer: " +
		"either way the next install or upgrade removes Tailscale from the node.",
	Sources: []string{
		"siderolabs/talos v1.14.1 cmd/talosctl/cmd/talos/upgrade.go (default --image: the empty-schematic factory installer)",
		"siderolabs/talos v1.14.1 CHANGELOG.md, Talos 1.14.0 (\"The ghcr.io/siderolabs/installer image is no longer published with releases\")",
		"siderolabs/image-factory v0.8.4 internal/frontend/http/registry.go getRequestedImage (installer and <platform>-installer images)",
		"siderolabs/talos website/content/v1.11/learn-more/image-factory.md at 2f23fede (machine.install.image must use the same schematic, or extensions are lost)",
		"home-operations/tuppr#478, home-operations/tuppr#549",
	},
	Fix: "Set machine.install.image (UnattendedInstallConfig installer.image on Talos ≥ 1.14) to the factory " +
		"installer of a schematic that includes siderolabs/tailscale, and always upgrade with `--image` set to it.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || c.Install.Factory || c.Install.Custom && hasTailscale(c.Install.Extensions) {
			return nil
		}
		if c.Install.Unresolved {
			return nil // a template reference (${installer_url}) is never judged
		}
		if c.Install.Image == "" || !c.Install.FromInput {
			if !c.Complete {
				return []Result{{
					Severity: sev(Info),
					Message:  "this patch does not set the install image; the base config it is applied to must pin a factory installer with tailscale",
					At:       Loc{Doc: DocTailscaleESC},
				}}
			}
			return []Result{{
				Severity: sev(Warning),
				Message:  "no install image is set: installs and `talosctl upgrade` without --image use the empty-schematic installer, without tailscale",
				At:       c.Install.At,
			}}
		}
		return []Result{{
			Message: fmt.Sprintf("install image %s is not an Image Factory installer, so it carries no extensions", c.Install.Image),
			At:      c.Install.At,
		}}
	},
})
