package rules

import (
	"slices"
	"strings"

	"github.com/tailos/tailos/facts/containerboot"
)

// BundledTailscale is the Tailscale release whose contract the extension
// of the config's Talos version follows (containerboot.BundledWith), ""
// when unknown.
func BundledTailscale(c *Config) string { return containerboot.BundledWith(c.TalosVersion) }

// envKnown reports whether some part of Tailscale release v reads name;
// with v == "" any kept release counts.
func envKnown(v, name string) bool { return containerboot.Known(v, name) }

// envRenames are variables users write that Tailscale never read, with the
// real variable or flag.
var envRenames = map[string]string{
	"TS_ADVERTISE_ROUTES":       "TS_ROUTES",
	"TS_SUBNET_ROUTES":          "TS_ROUTES",
	"TS_TAGS":                   "--advertise-tags in TS_EXTRA_ARGS",
	"TS_ENABLE_SSH":             "--ssh in TS_EXTRA_ARGS",
	"TS_STATE":                  "TS_STATE_DIR",
	"TS_STATEDIR":               "TS_STATE_DIR",
	"TS_AUTH_KEY_FILE":          "TS_AUTHKEY=file:/path",
	"TS_AUTHKEY_FILE":           "TS_AUTHKEY=file:/path",
	"TS_EXTRA_FLAGS":            "TS_EXTRA_ARGS",
	"TS_UP_ARGS":                "TS_EXTRA_ARGS",
	"TS_TAILSCALED_ARGS":        "TS_TAILSCALED_EXTRA_ARGS",
	"TS_TAILSCALED_FLAGS":       "TS_TAILSCALED_EXTRA_ARGS",
	"TS_USERSPACE_NETWORKING":   "TS_USERSPACE",
	"TS_MTU":                    "TS_DEBUG_MTU",
	"TS_OAUTH_CLIENT_ID":        "TS_CLIENT_ID",
	"TS_OAUTH_CLIENT_SECRET":    "TS_CLIENT_SECRET",
	"TS_CONTROL_URL":            "--login-server in TS_EXTRA_ARGS",
	"TS_LOGINSERVER":            "--login-server in TS_EXTRA_ARGS",
	"TS_HEADSCALE_URL":          "--login-server in TS_EXTRA_ARGS",
	"TS_ACCEPT_ROUTE":           "--accept-routes in TS_EXTRA_ARGS",
	"TS_ADVERTISE_EXITNODE":     "--advertise-exit-node in TS_EXTRA_ARGS",
	"TS_EXITNODE":               "--exit-node in TS_EXTRA_ARGS",
	"TS_SNAT_SUBNET_ROUTE":      "--snat-subnet-routes in TS_EXTRA_ARGS",
	"TS_NETFILTER":              "--netfilter-mode in TS_EXTRA_ARGS",
	"TS_PORT_NUMBER":            "PORT",
	"TS_LISTEN_PORT":            "PORT",
	"TS_TAILSCALED_PORT":        "PORT",
	"TS_ACCEPTDNS":              "TS_ACCEPT_DNS",
	"TS_AUTHONCE":               "TS_AUTH_ONCE",
	"TS_HOST_NAME":              "TS_HOSTNAME",
	"TS_KUBE_SECRETS":           "TS_KUBE_SECRET",
	"TS_ROUTE":                  "TS_ROUTES",
	"TS_DEBUG_MTU_SIZE":         "TS_DEBUG_MTU",
	"TS_ENABLE_METRIC":          "TS_ENABLE_METRICS",
	"TS_EXPERIMENTAL_USERSPACE": "TS_USERSPACE",
}

// NearestEnv names what a user writing name most likely meant: a rename,
// the `tailscale up` flag the name spells (TS_ACCEPT_ROUTES → --accept-routes),
// or the closest containerboot variable; "" when nothing is close.
func NearestEnv(v, name string) string {
	if r, ok := envRenames[name]; ok {
		return r
	}
	rel := v
	if rel == "" {
		rel = containerboot.Latest
	}
	if rest, ok := strings.CutPrefix(name, "TAILSCALE_"); ok {
		// TAILSCALE_AUTHKEY, TAILSCALE_HOSTNAME: containerboot's names
		// start with TS_.
		return NearestEnv(v, "TS_"+rest)
	}
	flag := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, "TS_")), "_", "-")
	if slices.Contains(containerboot.UpFlags(rel), flag) {
		return "--" + flag + " in TS_EXTRA_ARGS"
	}
	best, bestD := "", 4
	for _, k := range containerboot.Vars(rel) {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
