package rules

import "github.com/tailos/tailos/secret"

// isOAuthSecret reports an OAuth client secret used as an auth key.
func isOAuthSecret(v string) bool { return secret.IsOAuthClientSecret(v) }

var _ = register(&Rule{
	ID:       "TS033",
	Title:    "OAuth client secret as auth key without --advertise-tags",
	Severity: Error,
	Topic:    TopicAuthKey,
	Why: "A `tskey-client-…` value in TS_AUTHKEY is exchanged for an auth key by the CLI, and keys minted by an OAuth " +
		"client must carry tags: without --advertise-tags the login fails with \"oauth authkeys require " +
		"--advertise-tags\" and the service restarts forever.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 feature/oauthkey/oauthkey.go resolveAuthKey (\"oauth authkeys require --advertise-tags\")",
		"tailscale/tsidp#159, tailscale/golink#209",
	},
	Fix: "Add --advertise-tags=tag:<name> to TS_EXTRA_ARGS with a tag the OAuth client owns (and list it in the " +
		"tailnet policy's tagOwners).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		k, v, ok := t.AuthKey()
		if !ok || !isOAuthSecret(v) {
			return nil
		}
		if f, ok := t.ExtraArgs().Find("advertise-tags"); ok && f.Value != "" {
			return nil
		}
		return []Result{{
			Message: k + " is an OAuth client secret but TS_EXTRA_ARGS has no --advertise-tags: login fails",
			At:      AtEnv(k),
		}}
	},
})
