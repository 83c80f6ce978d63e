package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailscaleext"
)

var _ = register(&Rule{
	ID:       "TS011",
	Title:    "install image schematic cannot be checked for the tailscale extension",
	Severity: Info,
	Topic:    TopicUpgradeImage,
	Why: "A schematic ID is a hash; whether it includes siderolabs/tailscale cannot be read from the image " +
		"reference. Opaque IDs are how the extension gets lost: a copied installer URL from another cluster, or a " +
		"schematic rebuilt without it.",
	Sources: []string{
		"siderolabs/image-factory v0.8.4 pkg/schematic/schematic.go (ID: sha256 of the canonical YAML)",
		"lint/testdata/realworld/INDEX.md entry 06 (opaque talosImageURL id)",
	},
	Fix: "Pass the schematic file to `tailos check --schematic FILE` so the linter can verify it, or regenerate the " +
		"installer reference with `tailos schematic`.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || !c.Install.Factory || c.Install.SchematicKnown {
			return nil
		}
		return []Result{{
			Message: fmt.Sprintf("schematic %s of the install image is unknown; cannot verify it includes %s", short(c.Install.SchematicID), tailscaleext.Name),
			At:      c.Install.At,
		}}
	},
})
