// Package schematic models Talos Image Factory schematics: their exact IDs
// computed offline, the asset URLs and installer images for a platform, the
// local store of schematics tailos created, upgrade-safety verification of
// installer images, and a client for the factory's HTTP API.
//
// The data model and ID algorithm are the factory's own: the ID is the hex
// SHA-256 of the canonical YAML encoding of the Schematic struct, with the
// struct's fields in the factory's order. The factory's published Go package
// (github.com/siderolabs/image-factory/pkg/schematic, v0.8.4) predates several
// fields the factory accepts today; this package adds them in the factory's
// order and encoding, and tests that both agree wherever they overlap.
package schematic

const (
	// DefaultFactory is the public Image Factory.
	DefaultFactory = "https://factory.talos.dev"
	// TailscaleExtension is the official Tailscale system extension.
	TailscaleExtension = "siderolabs/tailscale"
	// EmptyID is the ID of the empty schematic: the installer `talosctl
	// upgrade` uses when no --image is given, which carries no extensions.
	EmptyID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"
)
