package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS037",
	Title:    "several ExtensionServiceConfig documents named tailscale are merged",
	Severity: Info,
	Topic:    TopicAuthKey,
	Why: "Applied as separate patches (talhelper patches, talosctl --config-patch), documents with the same kind " +
		"and name are merged by strategic merge: their environment lists are concatenated, and for a key set twice " +
		"the last entry is the one in effect (runc keeps the last). In a whole machine config two such documents are an error " +
		"(\"duplicate document\"). tailos checks the merged result; this note says where the key and the " +
		"flags came together, because splitting them (e.g. a SOPS-encrypted key document) makes a missing or " +
		"duplicated entry easy to miss.",
	Sources: []string{
		"siderolabs/talos v1.14.1 pkg/machinery/config/container/container.go (\"duplicate document\": one ExtensionServiceConfig per name)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/configpatcher/strategic.go StrategicMerge (documents matched by apiVersion/kind/name) and pkg/machinery/config/merge/merge.go (environment lists append)",
		"lint/testdata/realworld/INDEX.md entry 20",
	},
	Fix: "Nothing to fix if intended; keep each key in exactly one of the documents.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || c.Load.TailscaleDocs < 2 {
			return nil
		}
		seen := map[string]int{}
		var dup []string
		for _, e := range c.Tailscale.Env {
			seen[e.Key]++
			if seen[e.Key] == 2 {
				dup = append(dup, e.Key)
			}
		}
		msg := fmt.Sprintf("%d ExtensionServiceConfig documents named tailscale were merged into one (environment lists concatenated); the findings are about the merged environment", c.Load.TailscaleDocs)
		if len(dup) > 0 {
			msg += fmt.Sprintf("; set more than once (the last wins): %v", dup)
		}
		return []Result{{Message: msg, At: Loc{Doc: DocTailscaleESC}}}
	},
})
