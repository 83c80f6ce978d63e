package rules

import (
	"net/netip"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS132",
	Title:    "containerboot rejects this combination of variables",
	Severity: Error,
	Topic:    TopicFlags,
	Why: "containerboot validates its environment at start and exits on these combinations (and the tailscale CLI " +
		"rejects --exit-node-allow-lan-access without --exit-node); Talos restarts the service forever and the node " +
		"never joins.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/settings.go validate (mutual exclusions, TS_EXPERIMENTAL_VERSIONED_CONFIG_DIR, TS_HEALTHCHECK_ADDR_PORT)",
		"tailscale/tailscale v1.96.5 cmd/tailscale/cli/up.go (\"--exit-node-allow-lan-access can only be used with --exit-node\")",
	},
	Fix: "Keep one authentication method (TS_AUTHKEY, or TS_CLIENT_ID with TS_CLIENT_SECRET or TS_ID_TOKEN), and " +
		"drop the other variables named in the message.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		set := func(k string) bool { return t.Get(k) != "" }
		var out []Result
		add := func(key, msg string) { out = append(out, Result{Message: msg, At: AtEnv(key)}) }
		authKey := set("TS_AUTHKEY") || set("TS_AUTH_KEY")
		if authKey && (set("TS_CLIENT_ID") || set("TS_CLIENT_SECRET") || set("TS_ID_TOKEN") || set("TS_AUDIENCE")) {
			add("TS_AUTHKEY", "TS_AUTHKEY cannot be used with TS_CLIENT_ID, TS_CLIENT_SECRET, TS_ID_TOKEN, or TS_AUDIENCE.")
		}
		if set("TS_ID_TOKEN") && !set("TS_CLIENT_ID") {
			add("TS_ID_TOKEN", "TS_ID_TOKEN is set but TS_CLIENT_ID is not set")
		}
		if set("TS_AUDIENCE") && !set("TS_CLIENT_ID") {
			add("TS_AUDIENCE", "TS_AUDIENCE is set but TS_CLIENT_ID is not set")
		}
		if set("TS_ID_TOKEN") && set("TS_CLIENT_SECRET") {
			add("TS_ID_TOKEN", "TS_ID_TOKEN and TS_CLIENT_SECRET cannot both be set")
		}
		if set("TS_ID_TOKEN") && set("TS_AUDIENCE") {
			add("TS_ID_TOKEN", "TS_ID_TOKEN and TS_AUDIENCE cannot both be set")
		}
		if set("TS_AUDIENCE") && set("TS_CLIENT_SECRET") {
			add("TS_AUDIENCE", "TS_AUDIENCE and TS_CLIENT_SECRET cannot both be set")
		}
		if v := t.Get("TS_LOCAL_ADDR_PORT"); v != "" && !Unresolved(v) {
			if _, err := netip.ParseAddrPort(v); err != nil {
				add("TS_LOCAL_ADDR_PORT", "error parsing TS_LOCAL_ADDR_PORT value \""+v+"\": "+err.Error())
			}
		}
		if set("TS_HEALTHCHECK_ADDR_PORT") && parseBool(t.Get("TS_ENABLE_HEALTH_CHECK")) {
			add("TS_HEALTHCHECK_ADDR_PORT", "TS_HEALTHCHECK_ADDR_PORT cannot be set together with TS_ENABLE_HEALTH_CHECK")
		}
		args := t.ExtraArgs()
		if on, _ := args.Bool("exit-node-allow-lan-access"); on {
			if f, ok := args.Find("exit-node"); !ok || f.Value == "" {
				add("TS_EXTRA_ARGS", "--exit-node-allow-lan-access can only be used with --exit-node")
			}
		}
		if set("TS_EXPERIMENTAL_VERSIONED_CONFIG_DIR") {
			var clash []string
			for _, k := range []string{"TS_HOSTNAME", "TS_EXTRA_ARGS", "TS_AUTHKEY", "TS_ROUTES", "TS_ACCEPT_DNS", "TS_CLIENT_ID", "TS_CLIENT_SECRET", "TS_ID_TOKEN", "TS_AUDIENCE"} {
				if _, ok := t.Lookup(k); ok {
					clash = append(clash, k)
				}
			}
			if len(clash) > 0 {
				add("TS_EXPERIMENTAL_VERSIONED_CONFIG_DIR", "TS_EXPERIMENTAL_VERSIONED_CONFIG_DIR cannot be combined with "+strings.Join(clash, ", "))
			}
		}
		return out
	},
})
