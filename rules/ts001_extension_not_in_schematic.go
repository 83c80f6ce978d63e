package rules

import "fmt"

// TailscaleExtension is the official extension's name in a schematic.
const TailscaleExtension = "siderolabs/tailscale"

// TailosExtension names the extension `tailos extension build` makes in an
// installer's extension list (it is not in any schematic: the imager adds
// it to an installer).
const TailosExtension = "tailos/tailscale"

var _ = register(&Rule{
	ID:       "TS001",
	Title:    "ExtensionServiceConfig for tailscale, but the install image's schematic has no tailscale extension",
	Severity: Error,
	Topic:    TopicExtensionMissing,
	Why: "The ExtensionServiceConfig only configures the ext-tailscale service; the service itself comes from the " +
		"siderolabs/tailscale system extension baked into the installer image. An installer whose Image Factory " +
		"schematic lacks the extension installs (and, on `talosctl upgrade`, re-installs) Talos without Tailscale: " +
		"the node silently drops off the tailnet. The empty schematic 376567988ad3… is what `talosctl upgrade` uses " +
		"when no --image is given.",
	Sources: []string{
		"siderolabs/talos v1.14.1 cmd/talosctl/cmd/talos/upgrade.go (default --image) and pkg/images/images.go (DefaultInstallerImageSchematic: the empty schematic)",
		"siderolabs/talos#7962, siderolabs/talos#8467",
	},
	Fix: "Build a schematic with systemExtensions.officialExtensions: [siderolabs/tailscale] (`tailos schematic` or " +
		"factory.talos.dev), and set machine.install.image (UnattendedInstallConfig installer.image on Talos ≥ 1.14) to " +
		"factory.talos.dev/<platform>-installer/<schematic-id>:<version>; upgrade with that same image.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || !c.Install.SchematicKnown || hasTailscale(c.Install.Extensions) {
			return nil
		}
		what := fmt.Sprintf("schematic %s (%d extensions)", short(c.Install.SchematicID), len(c.Install.Extensions))
		if c.Install.SchematicID == EmptySchematicID {
			what = "the empty schematic"
		}
		return []Result{{
			Message: fmt.Sprintf("install image %s is %s, without %s: the tailscale service is configured but will not be installed",
				c.Install.Image, what, TailscaleExtension),
			At: c.Install.At,
		}}
	},
})

// EmptySchematicID is the Image Factory ID of the schematic with no
// customization, the default of `talosctl upgrade`.
const EmptySchematicID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"

func hasTailscale(exts []string) bool {
	for _, e := range exts {
		if e == TailscaleExtension || e == TailosExtension || e == "tailscale" {
			return true
		}
	}
	return false
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}
