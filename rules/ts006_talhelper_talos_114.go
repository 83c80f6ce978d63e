package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS006",
	Title:    "talhelper cannot render this Talos version",
	Severity: Error,
	Topic:    TopicTooling,
	Why: "talhelper was archived in August 2026. Its last releases are built on Talos machinery v1.14.0-alpha.2, " +
		"which predates the Talos 1.14 documents (UnattendedInstallConfig, KubeNodeConfig and the other documents " +
		"that replace v1alpha1 fields): `talhelper genconfig` for talosVersion v1.14 cannot decode them, so the " +
		"tree does not render, or renders without the fields the 1.14 documents carry. tailos renders it with " +
		"machinery v1.14.1 to check it, but the tool in the user's pipeline cannot.",
	Sources: []string{
		"budimanjojo/talhelper v3.1.16 go.mod (github.com/siderolabs/talos/pkg/machinery v1.14.0-alpha.2), the newest release served by the Go module proxy",
		"github.com/budimanjojo/talhelper/releases/tag/v3.1.17 (archived; \"migrate to … topf and talstomize\")",
		"../shared/research/field-2026-12.md §3 (talhelper archived 2026-08-26)",
	},
	Fix: "Stay on Talos 1.13 with talhelper, or move the tree to topf or talstomize (both on machinery ≥ 1.14), " +
		"which `tailos check` reads too.",
	Check: func(c *Config) []Result {
		if c.Load.Tool != "talhelper" || c.TalosVersion == "" || c.TalosBefore(1, 14) {
			return nil
		}
		return []Result{{
			Message: fmt.Sprintf("talosVersion %s: talhelper (last release built on machinery v1.14.0-alpha.2) cannot render Talos 1.14 configurations", c.TalosVersion),
			At:      At(DocV1Alpha1, "machine.install.image"),
		}}
	},
})
