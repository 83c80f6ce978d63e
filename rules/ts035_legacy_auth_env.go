package rules

import (
	"slices"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS035",
	Title:    "legacy /var/etc/tailscale/auth.env is ignored by the extension",
	Severity: Error,
	Topic:    TopicAuthKey,
	Why: "Up to Talos 1.6 the extension read its environment from /var/etc/tailscale/auth.env (a machine.files " +
		"entry). Since extensions v1.7.0 it is configured only by an ExtensionServiceConfig named tailscale; the file " +
		"is never read, so its key, routes and flags have no effect (and the file is world-readable).",
	Sources: []string{
		"siderolabs/extensions c677b87 (removed environmentFile)",
		"siderolabs/extensions 6c502e1 \"feat: tailscale extension\" (environmentFile: /var/etc/tailscale/auth.env)",
		"siderolabs/extensions network/tailscale/README.md (still mentions /var/etc/tailscale/auth.env)",
		"lint/testdata/realworld/INDEX.md trap 1 (entries 12, 13, 14, 19)",
	},
	Fix: "Move the variables into an ExtensionServiceConfig document (name: tailscale, environment: [...]) and " +
		"delete the machine.files entry.",
	Check: func(c *Config) []Result {
		if c.LegacyAuthEnv == nil {
			return nil
		}
		if c.TalosBefore(1, 7) {
			msg := "machine.files writes /var/etc/tailscale/auth.env: read by Talos " + c.TalosVersion + ", ignored once the node is upgraded to 1.7 or later"
			if slices.ContainsFunc(authEnvKeys(c), func(k string) bool { return k == "TS_AUTHKEY" || k == "TS_AUTH_KEY" }) && authEnvWorldReadable(c) {
				msg += "; the key in it is world-readable (permissions allow others to read)"
			}
			return []Result{{Severity: sev(Info), Message: msg, At: *c.LegacyAuthEnv}}
		}
		msg := "machine.files writes /var/etc/tailscale/auth.env, which the tailscale extension has not read since Talos 1.7"
		if lost := authEnvKeys(c); len(lost) > 0 {
			msg += ": the variables it sets (" + strings.Join(lost, ", ") + ") never reach the extension"
			if c.Tailscale == nil {
				msg += ", and with no ExtensionServiceConfig named tailscale ext-tailscale waits forever"
			}
		}
		if kind := authEnvSecret(c); kind != "" {
			msg += "; the file still puts a " + kind + " credential in plain text on the node's disk"
			if authEnvWorldReadable(c) {
				msg += ", readable by every user"
			}
		}
		return []Result{{Message: msg, At: *c.LegacyAuthEnv}}
	},
})

// authEnvSecret is the kind of credential the auth.env content holds.
func authEnvSecret(c *Config) string {
	for _, f := range c.MachineFiles {
		if !strings.HasPrefix(f.Path, "/var/etc/tailscale/") {
			continue
		}
		for _, line := range strings.Split(f.Content, "\n") {
			if _, v, ok := strings.Cut(line, "="); ok {
				if k := SecretKind(strings.Trim(strings.TrimSpace(v), `"'`)); k != "" {
					return k
				}
			}
		}
	}
	return ""
}

// authEnvWorldReadable reports whether the auth.env file is readable by
// every user of the node.
func authEnvWorldReadable(c *Config) bool {
	for _, f := range c.MachineFiles {
		if strings.HasPrefix(f.Path, "/var/etc/tailscale/") && f.Mode&0o004 != 0 {
			return true
		}
	}
	return false
}

// authEnvKeys lists the variables the legacy auth.env file sets.
func authEnvKeys(c *Config) []string {
	var keys []string
	for _, f := range c.MachineFiles {
		if !strings.HasPrefix(f.Path, "/var/etc/tailscale/") {
			continue
		}
		for _, line := range strings.Split(f.Content, "\n") {
			k, _, ok := strings.Cut(strings.TrimSpace(line), "=")
			if ok && k != "" && !strings.HasPrefix(k, "#") {
				keys = append(keys, strings.TrimPrefix(k, "export "))
			}
		}
	}
	return keys
}
