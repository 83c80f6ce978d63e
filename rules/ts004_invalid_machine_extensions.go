package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS004",
	Title:    "machine.extensions is not a Talos field",
	Severity: Error,
	Topic:    TopicExtensionMissing,
	Why: "Talos has no machine.extensions (the deprecated field was machine.install.extensions, which itself has " +
		"had no effect since 1.10). Talos's strict decoder rejects the whole document with \"unknown keys found " +
		"during decoding\", so talosctl apply-config and gen config fail; where a tool drops the key instead, no " +
		"extension is installed. tailos removed the field to check the rest of the document.",
	Sources: []string{
		"siderolabs/talos v1.14.1 pkg/machinery/config/configloader/internal/decoder/decoder.go (strict decoding: \"unknown keys found during decoding\")",
		"lint/testdata/realworld/INDEX.md entry 15, and gt-core-labs/gt-cluster patches/tailscale.yaml (INDEX.md \"Not included\")",
	},
	Fix: "Delete machine.extensions; put siderolabs/tailscale into an Image Factory schematic and set " +
		"machine.install.image to that schematic's installer.",
	Check: func(c *Config) []Result {
		var out []Result
		for _, f := range c.Load.Invalid {
			out = append(out, Result{
				Message: fmt.Sprintf("%s is not a Talos field: the document is rejected as it stands (%s)", joinPath(f.At.Path), f.Value),
				At:      f.At,
			})
		}
		return out
	},
})

func joinPath(p []string) string {
	s := ""
	for i, k := range p {
		if i > 0 {
			s += "."
		}
		s += k
	}
	return s
}
