package lint

import (
	"sync"

	"github.com/tailos/tailos/schematic"
)

// wellKnownDefs are schematics tailos knows offline: Image Factory's own
// published test vectors (siderolabs/image-factory v0.8.4
// pkg/schematic/schematic_test.go TestID: no extensions) and the
// Tailscale schematics the factory UI produces for the common companion
// extensions (extensions in the UI's alphabetical order).
var wellKnownDefs = []string{
	"{}",
	"customization:\n  extraKernelArgs: [noapic, nolapic]\n",
	"customization:\n  meta:\n    - key: 10\n      value: foo\n",
	"customization:\n  secureboot:\n    includeWellKnownCertificates: true\n",
	tsDef("siderolabs/tailscale"),
	tsDef("siderolabs/iscsi-tools", "siderolabs/tailscale"),
	tsDef("siderolabs/iscsi-tools", "siderolabs/tailscale", "siderolabs/util-linux-tools"),
	tsDef("siderolabs/qemu-guest-agent", "siderolabs/tailscale"),
	tsDef("siderolabs/intel-ucode", "siderolabs/tailscale"),
	tsDef("siderolabs/amd-ucode", "siderolabs/tailscale"),
	tsDef("siderolabs/i915", "siderolabs/intel-ucode", "siderolabs/tailscale"),
	tsDef("siderolabs/tailscale", "siderolabs/util-linux-tools"),
}

func tsDef(exts ...string) string {
	s := "customization:\n  systemExtensions:\n    officialExtensions:\n"
	for _, e := range exts {
		s += "      - " + e + "\n"
	}
	return s
}

var wellKnown = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for _, d := range wellKnownDefs {
		s, err := schematic.Parse([]byte(d))
		if err != nil {
			panic("lint: well-known schematic does not parse: " + err.Error())
		}
		id, err := s.ID()
		if err != nil {
			panic("lint: well-known schematic has no ID: " + err.Error())
		}
		out[id] = s.Extensions()
	}
	return out
})

// WellKnownSchematics maps the IDs of the schematics tailos knows offline
// to their official extensions, so a fresh machine does not call them
// unknown. The map is shared: do not modify it.
func WellKnownSchematics() map[string][]string { return wellKnown() }
