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

//
// The forms themselves (schematic IDs, the empty schematic, extension
// names, installer image references) are facts/imagefactory's; the
// official Tailscale extension's name is facts/tailscaleext's.
