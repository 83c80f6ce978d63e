package rules

import (
	"fmt"
	"slices"

	"github.com/tailos/tailos/secret"
)

// SecretKind names the credential type of v ("" if v is not one).
func SecretKind(v string) string { return secret.Kind(v) }

// Mask hides credentials in s (see secret.Mask).
func Mask(s string) string { return secret.Mask(s) }

var _ = register(&Rule{
	ID:       "TS040",
	Title:    "Tailscale credential in plain text in the machine config",
	Severity: Warning,
	Topic:    TopicSecrets,
	Why: "An auth key or OAuth client secret written literally into a config or patch ends up in version control, " +
		"CI logs and `talosctl get extensionserviceconfigs` output. OAuth client secrets never expire; reusable auth " +
		"keys let anyone who reads them add devices to the tailnet.",
	Sources: []string{
		"lint/testdata/realworld/INDEX.md entry 11 (key committed in plain text), entries 19/20 (OAuth secret on every node)",
		"tailscale/tailscale publicapi/readme.md and publicapi/tailnet.md (API docs before 124ff3b03: tskey-api- tokens, tskey-auth- keys); tailscale/tailscale v1.96.5 feature/oauthkey/oauthkey.go (tskey-client- OAuth secrets)",
		"juanfont/headscale CHANGELOG.md, 0.28.0 (hskey-auth- and hskey-api- keys)",
	},
	Fix: "Keep the value out of the repository: talhelper/envsubst variables with SOPS, a Terraform variable, or a " +
		"short-lived per-node key minted at provisioning time. Revoke any key that was committed.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		var out []Result
		for _, e := range t.Env {
			v := e.Value
			if e.Key == "TS_EXTRA_ARGS" {
				f, ok := t.ExtraArgs().Find("auth-key")
				if !ok {
					continue
				}
				v = f.Value
			}
			if slices.Contains(c.Load.Templated, e.Key) {
				continue // filled in from --env: the file holds a placeholder
			}
			if kind := SecretKind(v); kind != "" && !Unresolved(v) && !Placeholder(v) {
				out = append(out, Result{
					Message: fmt.Sprintf("%s holds a %s credential in plain text", e.Key, kind),
					At:      AtEnv(e.Key),
				})
			}
		}
		return out
	},
})
