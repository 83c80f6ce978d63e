package rules

import (
	"fmt"
	"slices"
	"strings"
)

// secretPrefixes are the shapes of Tailscale and Headscale credentials.
var secretPrefixes = []string{"tskey-auth-", "tskey-client-", "tskey-api-", "tskey-", "hskey-auth-", "hskey-api-", "hskey-"}

// SecretKind names the credential type of v ("" if v is not one); only
// the prefix is ever shown.
func SecretKind(v string) string {
	for _, p := range secretPrefixes {
		if strings.HasPrefix(v, p) {
			return p + "…"
		}
	}
	return ""
}

// Mask hides credentials in s: every tskey-/hskey- token is cut to its
// type prefix (tskey-auth-…). Masking is idempotent.
func Mask(s string) string {
	for _, marker := range []string{"tskey-", "hskey-"} {
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, marker)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:i])
			tok := rest[i:]
			end := strings.IndexAny(tok, " \t\n\"',&?")
			if end < 0 {
				end = len(tok)
			}
			b.WriteString(SecretKind(tok[:end]))
			rest = tok[end:]
		}
		s = b.String()
	}
	return s
}

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
