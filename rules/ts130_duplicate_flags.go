package rules

import (
	"fmt"
	"slices"
	"strings"
)

// upFlagsFromEnv are the `tailscale up` flags containerboot derives from
// its environment (cmd/containerboot/tailscaled.go tailscaleUp).
func upFlagsFromEnv(t *Tailscale) map[string]string {
	out := map[string]string{}
	if _, v, ok := t.AuthKey(); ok && v != "" {
		if t.Get("TS_AUTHKEY") != "" {
			out["auth-key"] = "TS_AUTHKEY"
		} else if t.Get("TS_AUTH_KEY") != "" {
			out["auth-key"] = "TS_AUTH_KEY"
		}
	}
	for env, flag := range map[string]string{"TS_CLIENT_ID": "client-id", "TS_CLIENT_SECRET": "client-secret", "TS_ID_TOKEN": "id-token", "TS_AUDIENCE": "audience", "TS_HOSTNAME": "hostname"} {
		if t.Get(env) != "" {
			out[flag] = env
		}
	}
	if _, ok := t.Lookup("TS_ROUTES"); ok {
		out["advertise-routes"] = "TS_ROUTES"
	}
	return out
}

var _ = register(&Rule{
	ID:       "TS130",
	Title:    "flag in TS_EXTRA_ARGS repeats one containerboot already passes",
	Severity: Error,
	Topic:    TopicFlags,
	Why: "Since Tailscale 1.84 the CLI rejects repeated flags (\"flag provided multiple times\"). containerboot already " +
		"passes --auth-key for TS_AUTHKEY, --hostname for TS_HOSTNAME, --advertise-routes for TS_ROUTES and the " +
		"--client-*/--id-token/--audience flags; repeating one in TS_EXTRA_ARGS (aliases such as --authkey count) " +
		"makes every `tailscale up` fail. containerboot lifts the first --accept-dns out of TS_EXTRA_ARGS (since " +
		"1.84.2), so one is fine and a second one fails the same way.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/tailscaled.go tailscaleUp (the flags containerboot passes itself)",
		"tailscale/tailscale v1.96.5 cmd/tailscale/cli/cli.go (\"flag provided multiple times\", since v1.84.0: commits 6088ee311, 79ff067db)",
	},
	Fix: "Remove the repeated flag from TS_EXTRA_ARGS and keep the TS_* variable.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		args := t.ExtraArgs()
		fromEnv := upFlagsFromEnv(t)
		seen := map[string]bool{}
		var dups []string
		var reasons []string
		for _, f := range args {
			// containerboot lifts out the first --accept-dns and passes its
			// own; a second one reaches `tailscale up` as a repeat.
			if f.Name == "accept-dns" && !seen[f.Name] {
				seen[f.Name] = true
				continue
			}
			if env, ok := fromEnv[f.Name]; ok {
				if !slices.Contains(dups, f.Name) {
					dups = append(dups, f.Name)
					reasons = append(reasons, fmt.Sprintf("--%s (already passed for %s)", f.Name, env))
				}
				continue
			}
			if seen[f.Name] && !slices.Contains(dups, f.Name) {
				dups = append(dups, f.Name)
				reasons = append(reasons, fmt.Sprintf("--%s (given twice)", f.Name))
			}
			seen[f.Name] = true
		}
		if len(dups) == 0 {
			return nil
		}
		return []Result{{
			Message: "TS_EXTRA_ARGS repeats " + strings.Join(reasons, ", ") + ": `tailscale up` fails with \"flag provided multiple times\"",
			At:      AtEnv("TS_EXTRA_ARGS"),
			Edits:   []Edit{{EnvKey: "TS_EXTRA_ARGS", DropFlags: envFlagNames(fromEnv), Dedupe: true}},
		}}
	},
})

// envFlagNames lists the flags containerboot derives from variables.
func envFlagNames(fromEnv map[string]string) []string {
	var out []string
	for name := range fromEnv {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Dedupe returns the flags with later repeats removed.
func (fs Flags) Dedupe() Flags {
	seen := map[string]bool{}
	var keep Flags
	for _, f := range fs {
		if !seen[f.Name] {
			seen[f.Name] = true
			keep = append(keep, f)
		}
	}
	return keep
}
