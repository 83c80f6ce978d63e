package doctor

import (
	"regexp"

	"github.com/tailos/tailos/rules"
)

// Cause is why ext-tailscale fails, as its log says.
type Cause struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	Remedy  string `json:"remedy"`
	// Line is the (masked) log line that names the cause.
	Line string `json:"line"`
}

// logCause matches lines Tailscale prints; Source says where it prints
// them, so a future Tailscale can be checked against the same files.
type logCause struct {
	id      string
	re      *regexp.Regexp
	summary string
	remedy  string
	source  string
}

// logCauses is in order of precedence: a crash loop often logs several of
// these, and the first is the root (a repeated flag makes `tailscale up`
// exit before login, which then looks like a login timeout).
var logCauses = []logCause{
	{
		id:      "flag-repeated",
		re:      regexp.MustCompile(`flag provided multiple times`),
		summary: "a flag is given twice to `tailscale up` (TS_EXTRA_ARGS repeats one containerboot already passes: --hostname, --advertise-routes, --authkey, a second --accept-dns; or repeats one of its own); with TS_AUTH_ONCE=true containerboot runs `up` only at a login, so it strikes a fresh or wiped node",
		remedy:  "remove the repeated flag from TS_EXTRA_ARGS in the ExtensionServiceConfig (keep at most one --accept-dns; tailos check reports the other repeats as TS130), then talosctl patch machineconfig",
		source:  "tailscale.com cmd/tailscale/cli/cli.go (onceFlagValue.Set), printed by the flag package as `invalid value ... for flag -NAME: flag provided multiple times`",
	},
	{
		id:      "oauth-without-tags",
		re:      regexp.MustCompile(`oauth authkeys require --advertise-tags`),
		summary: "an OAuth client secret is used as the auth key without tags",
		remedy:  "add --advertise-tags=tag:... to TS_EXTRA_ARGS (tags the OAuth client owns), or use an auth key",
		source:  "tailscale.com feature/oauthkey/oauthkey.go",
	},
	{
		id:      "authkey-expired",
		re:      regexp.MustCompile(`(?i)auth ?key (has )?expired|pre-?auth ?key (has )?expired|key has expired`),
		summary: "the auth key has expired",
		remedy:  "mint a new key (reusable, pre-approved, or an OAuth secret with tags), put it in the ExtensionServiceConfig, and set TS_AUTH_ONCE=true so a registered node never needs it again",
		source:  "juanfont/headscale hscontrol/types/preauth_key.go (`authkey expired`), surfaced by tailscale.com cmd/tailscale/cli/up.go as `backend error: ...`",
	},
	{
		id:      "authkey-invalid",
		re:      regexp.MustCompile(`(?i)invalid (auth ?key|pre ?auth ?key|key)\b|API key does not exist|auth ?key .*not valid`),
		summary: "the control server rejects the auth key (revoked, single-use and already used, or for another tailnet)",
		remedy:  "mint a new key and replace TS_AUTHKEY in the ExtensionServiceConfig; prefer a reusable key or an OAuth secret with tags for many nodes",
		source:  "juanfont/headscale hscontrol/types/preauth_key.go (`invalid authkey`), hscontrol/auth.go (`invalid pre auth key`); tailscale.com cmd/tailscale/cli/up.go `backend error: ...`",
	},
	{
		id:      "tun-missing",
		re:      regexp.MustCompile(`/dev/net/tun does not exist|is CONFIG_TUN enabled in your kernel|NewUserspaceEngine\(tun "[^"]*"\) error`),
		summary: "tailscaled cannot create its TUN device",
		remedy:  "the extension's service spec must mount /dev/net/tun; reinstall the official siderolabs/tailscale extension (tailos schematic verify), or set TS_USERSPACE=true knowingly",
		source:  "tailscale.com net/tstun/tun_linux.go (diagnoseLinuxTUNFailure), cmd/tailscaled/tailscaled.go (createEngine)",
	},
	{
		id:      "needs-machine-auth",
		re:      regexp.MustCompile(`machine authorization required, please visit the admin panel`),
		summary: "the device waits for approval in the admin console (device approval is on and the key is not pre-approved)",
		remedy:  "approve the device, or use a pre-approved key (tskey-client-...?preauthorized=true)",
		source:  "tailscale.com cmd/containerboot/main.go",
	},
	{
		id:      "login-timeout",
		re:      regexp.MustCompile(`timeout waiting for Tailscale service to enter a Running state|failed to (auth tailscale|read from tailscaled): .*context deadline exceeded`),
		summary: "login did not finish within containerboot's boot timeout (control server unreachable from the node, or login stalled)",
		remedy:  "check that the node reaches the control server (TS_EXTRA_ARGS --login-server, firewall, DNS); Tailscale ≥ 1.104 lets TS_BOOT_TIMEOUT raise the 60 s limit",
		source:  "tailscale.com cmd/tailscale/cli/up.go; cmd/containerboot/main.go (bootCtx, 60 s before 1.104)",
	},
	{
		id:      "needs-login",
		re:      regexp.MustCompile(`-> NeedsLogin|state "NeedsLogin"|tailscale is not logged in`),
		summary: "tailscaled is logged out (NeedsLogin) and no usable auth key is given",
		remedy:  "give the node a valid auth key in the ExtensionServiceConfig (TS_AUTHKEY) and keep TS_STATE_DIR=/var/lib/tailscale so it stays registered",
		source:  "tailscale.com ipn/ipnlocal/local.go (`Switching ipn state %v -> %v`), cmd/containerboot/main.go",
	},
	{
		id:      "left-running",
		re:      regexp.MustCompile(`tailscaled left running state`),
		summary: "tailscaled left the Running state and containerboot exited",
		remedy:  "read the lines before it (talosctl logs ext-tailscale): usually the node was logged out or its key expired in the tailnet",
		source:  "tailscale.com cmd/containerboot/main.go",
	},
}

// runningLine is tailscaled reaching Running (ipn/ipnlocal/local.go
// "Switching ipn state %v -> %v"): what came before it was overcome, as the
// NeedsLogin every first login passes through.
var runningLine = regexp.MustCompile(`Switching ipn state \S+ -> Running\b`)

// ClassifyLog names the causes of failure in ext-tailscale's log, in order
// of precedence, each once with the last line that shows it. Only lines
// after tailscaled last reached Running count. Lines are masked: a key in
// an echoed command line is cut to its prefix.
func ClassifyLog(lines []string) []Cause {
	for i := len(lines) - 1; i >= 0; i-- {
		if runningLine.MatchString(lines[i]) {
			lines = lines[i+1:]
			break
		}
	}
	last := make([]string, len(logCauses))
	for _, l := range lines {
		for i, c := range logCauses {
			if c.re.MatchString(l) {
				last[i] = l
			}
		}
	}
	var out []Cause
	for i, c := range logCauses {
		if last[i] != "" {
			out = append(out, Cause{ID: c.id, Summary: c.summary, Remedy: c.remedy, Line: rules.Mask(last[i])})
		}
	}
	return out
}
