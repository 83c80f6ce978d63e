package rules

var _ = register(&Rule{
	ID:       "TS032",
	Title:    "TS_AUTH_ONCE is not true: the node logs in again on every start",
	Severity: Warning,
	Topic:    TopicAuthKey,
	Why: "containerboot's TS_AUTH_ONCE defaults to false: every container start runs `tailscale up --authkey=…` even " +
		"when the node is already logged in. Once the auth key expires (90 days by default) or is revoked, a reboot " +
		"fails with \"invalid key\" and the node falls off the tailnet; with an OAuth secret every start mints a new " +
		"key. With TS_AUTH_ONCE=true the key is only used when the node needs a login.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/main.go (TS_AUTH_ONCE: \"forcibly log in every time the container starts\")",
		"tailscale/tailscale v1.96.5 cmd/tailscale/cli/up.go (the OAuth hook, feature/oauthkey/oauthkey.go resolveAuthKey, runs on every tailscale up)",
		"tailscale/tailscale#19501, tailscale/tailscale#16987 (tailscale up --auth-key fails on restart once the key has expired)",
	},
	Fix: "Set TS_AUTH_ONCE=true (state is persisted in /var/lib/tailscale). Put routes and hostname in TS_ROUTES and " +
		"TS_HOSTNAME, which are re-applied with `tailscale set` on every start.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		if _, _, ok := t.AuthKey(); !ok && t.Get("TS_CLIENT_SECRET") == "" {
			return nil
		}
		v, ok := t.Lookup("TS_AUTH_ONCE")
		if ok && parseBool(v) {
			return nil
		}
		msg := "TS_AUTH_ONCE is unset (containerboot's default is false): `tailscale up` with the auth key runs on every start"
		at := Loc{Doc: DocTailscaleESC}
		if ok {
			msg = "TS_AUTH_ONCE=" + v + ": `tailscale up` with the auth key runs on every start"
			at = AtEnv("TS_AUTH_ONCE")
		}
		return []Result{{Message: msg, At: at, Edits: []Edit{SetEnv("TS_AUTH_ONCE", "true")}}}
	},
})
