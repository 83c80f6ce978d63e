package imagefactory

import (
	"slices"

	"github.com/tailos/tailos/facts/tailscaleext"
)

// WellKnown is a schematic tailos knows offline: its ID, the schematic YAML
// it is the ID of, and its official extensions.
type WellKnown struct {
	ID         string
	Definition string
	Extensions []string
}

// wellKnown are Image Factory's own published test vectors
// (siderolabs/image-factory v0.8.4 pkg/schematic/schematic_test.go TestID:
// no extensions) and the Tailscale schematics the factory UI produces for
// the common companion extensions (in the UI's alphabetical order). The
// schematic package's tests recompute every ID from its definition.
var wellKnown = []WellKnown{
	{EmptySchematicID, "{}", nil},
	{"9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c", "customization:\n  extraKernelArgs: [noapic, nolapic]\n", nil},
	{"d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f", "customization:\n  meta:\n    - key: 10\n      value: foo\n", nil},
	{"fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6", "customization:\n  secureboot:\n    includeWellKnownCertificates: true\n", nil},
	withExtensions("4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b", tailscaleext.Name),
	withExtensions("e2e3b54334c85fdef4d78e88f880d185e0ce0ba0c9b5861bb5daa1cd6574db9b", "siderolabs/iscsi-tools", tailscaleext.Name),
	withExtensions("708747e350d604ae9e57227d8dcf274091453ddb1097b765d4ea8884f1992c1f", "siderolabs/iscsi-tools", tailscaleext.Name, "siderolabs/util-linux-tools"),
	withExtensions("7d4c31cbd96db9f90c874990697c523482b2bae27fb4631d5583dcd9c281b1ff", "siderolabs/qemu-guest-agent", tailscaleext.Name),
	withExtensions("334e798f530db5f67f1a4d2b9b5f6bf136d4e956035e8e1c92fdaf064dd7d755", "siderolabs/intel-ucode", tailscaleext.Name),
	withExtensions("caabb8f47d56b799eb877f23109196fb9113812c084be71e926e58ca921c5f59", "siderolabs/amd-ucode", tailscaleext.Name),
	withExtensions("08086db1d88ea52b2e873f0b0c64562af7ae98f6ed83da5ee478871bbe52abd6", "siderolabs/i915", "siderolabs/intel-ucode", tailscaleext.Name),
	withExtensions("6e810eb45767cfabcdb7a45e389eee803045af7a9467faebde5c91164861883a", tailscaleext.Name, "siderolabs/util-linux-tools"),
}

func withExtensions(id string, exts ...string) WellKnown {
	s := "customization:\n  systemExtensions:\n    officialExtensions:\n"
	for _, e := range exts {
		s += "      - " + e + "\n"
	}
	return WellKnown{ID: id, Definition: s, Extensions: exts}
}

// WellKnownSchematics lists the schematics tailos knows offline.
func WellKnownSchematics() []WellKnown {
	out := slices.Clone(wellKnown)
	for i := range out {
		out[i].Extensions = slices.Clone(out[i].Extensions)
	}
	return out
}

// LookupWellKnown returns the official extensions of a well-known
// schematic (shared: do not modify), and whether id is one.
func LookupWellKnown(id string) ([]string, bool) {
	for _, w := range wellKnown {
		if w.ID == id {
			return w.Extensions, true
		}
	}
	return nil, false
}
