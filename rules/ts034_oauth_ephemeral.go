package rules

import (
	"net/url"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS034",
	Title:    "OAuth client secret without ephemeral=false registers an ephemeral node",
	Severity: Warning,
	Topic:    TopicAuthKey,
	Why: "Keys minted from a `tskey-client-…` secret are ephemeral unless the secret carries `?ephemeral=false`: the " +
		"control plane deletes an ephemeral node soon after it goes offline, so a Talos node that reboots or upgrades " +
		"comes back as a new device, losing its name, IP and approved routes. `preauthorized` defaults to false, which " +
		"stalls on device approval.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 feature/oauthkey/oauthkey.go resolveAuthKey (ephemeral defaults to true, preauthorized to false)",
	},
	Fix: "Append `?ephemeral=false&preauthorized=true` to the OAuth client secret.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		k, v, ok := t.AuthKey()
		if !ok || !isOAuthSecret(v) || k == "TS_EXTRA_ARGS" {
			return nil
		}
		secret, query, _ := strings.Cut(v, "?")
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil
		}
		if e := q.Get("ephemeral"); e != "" && !parseBool(e) {
			return nil
		}
		q.Set("ephemeral", "false")
		if q.Get("preauthorized") == "" {
			q.Set("preauthorized", "true")
		}
		return []Result{{
			Message: k + " is an OAuth client secret without ephemeral=false: the node is deleted from the tailnet when it goes offline",
			At:      AtEnv(k),
			Edits:   []Edit{SetEnv(k, secret+"?"+q.Encode())},
		}}
	},
})
