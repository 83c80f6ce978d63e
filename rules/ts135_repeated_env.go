package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS135",
	Title:    "tailscale environment sets a variable more than once",
	Severity: Warning,
	Topic:    TopicFlags,
	Why: "Talos passes the environment list to runc as it is, and runc keeps the last of repeated variables. A " +
		"rendered config with TS_AUTHKEY or TS_HOSTNAME twice — talhelper's extensionServices merged with a patch " +
		"carrying the same document, or a template that appends — runs with whichever came last, which is rarely " +
		"the one the author looked at: a stale key, or a hostname from the wrong node.",
	Sources: []string{
		"opencontainers/runc libcontainer/env.go prepareEnv (the last of duplicated variables wins)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/merge/merge.go (environment lists are appended on merge)",
		"lint/testdata/realworld/INDEX.md entry 11 (talhelper extensionServices next to patches)",
	},
	Fix: "Keep each variable in exactly one place: drop it from the extensionServices entry or from the patch.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		count := map[string]int{}
		values := map[string]map[string]bool{}
		for _, e := range c.Tailscale.Env {
			count[e.Key]++
			if values[e.Key] == nil {
				values[e.Key] = map[string]bool{}
			}
			values[e.Key][e.Value] = true
		}
		var out []Result
		reported := map[string]bool{}
		for _, e := range c.Tailscale.Env {
			if count[e.Key] < 2 || reported[e.Key] {
				continue
			}
			reported[e.Key] = true
			msg := fmt.Sprintf("%s is set %d times with the same value", e.Key, count[e.Key])
			if len(values[e.Key]) > 1 {
				msg = fmt.Sprintf("%s is set %d times with different values; the last one is in effect", e.Key, count[e.Key])
			}
			out = append(out, Result{Message: msg, At: AtEnv(e.Key)})
		}
		return out
	},
})
