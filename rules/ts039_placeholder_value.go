package rules

import "fmt"

// credentialVars are the environment entries that carry a login secret.
var credentialVars = map[string]bool{"TS_AUTHKEY": true, "TS_AUTH_KEY": true, "TS_CLIENT_SECRET": true, "TS_CLIENT_ID": true, "TS_ID_TOKEN": true}

var _ = register(&Rule{
	ID:       "TS039",
	Title:    "placeholder value left in the tailscale environment",
	Severity: Warning,
	Topic:    TopicAuthKey,
	Why: "Examples and templates mark values to fill in with stand-ins such as <TS_AUTHKEY>, REPLACE_ME, changeme " +
		"or tskey-auth-xxxx. No templating tool replaces these: Talos passes them verbatim, so containerboot logs in " +
		"with the literal text (\"invalid key\") and the service restarts forever, or tailscaled gets a nonsense " +
		"hostname or route. Unlike ${VAR} (TS038), nothing will fill them in.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/settings.go configFromEnv (values are used as given, no substitution)",
		"siderolabs/extensions network/tailscale/README.md (example ExtensionServiceConfig with TS_AUTHKEY=<your auth key>)",
	},
	Fix: "Put the real value in, or a reference a tool fills in: ${VAR} for talhelper/envsubst (checked with " +
		"`tailos check --env FILE`), or TS_AUTHKEY=file:/var/lib/tailscale/authkey with the key written there.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		var out []Result
		for _, e := range c.Tailscale.Env {
			if !Placeholder(e.Value) {
				continue
			}
			r := Result{Message: fmt.Sprintf("%s holds a placeholder, not a value: Talos passes it verbatim", e.Key), At: AtEnv(e.Key)}
			if credentialVars[e.Key] {
				r.Severity = sev(Error)
				r.Message = fmt.Sprintf("%s holds a placeholder, not a credential: the node cannot log in", e.Key)
			}
			out = append(out, r)
		}
		return out
	},
})
