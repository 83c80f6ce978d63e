package rules

import (
	"fmt"
	"time"
)

var _ = register(&Rule{
	ID:       "TS138",
	Title:    "containerboot boot timeout (TS_BOOT_TIMEOUT)",
	Severity: Warning,
	Topic:    TopicFlags,
	Why: "containerboot gives tailscaled a fixed time to start and log in — 60 s — and exits when it runs out; " +
		"Talos then restarts ext-tailscale. A first login that is slow (an OAuth client minting a key, a " +
		"self-hosted control server, a slow uplink) becomes a restart loop with exit code 1 every 60 s. " +
		"TS_BOOT_TIMEOUT sets that deadline, but only containerboot 1.102.3 and newer read it; a malformed value " +
		"makes containerboot refuse to start.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/main.go (bootCtx: context.WithTimeout(ctx, 60*time.Second))",
		"tailscale/tailscale v1.102.3 cmd/containerboot/settings.go (BootCtxTimeout: def.Duration(TS_BOOT_TIMEOUT, 60s); malformed value is an error)",
		"siderolabs/talos#8703 (ext-tailscale exits with code 1 every 60 s after the auth key is applied)",
	},
	Fix: "On Talos ≥ 1.14.1 (Tailscale ≥ 1.102.3) set TS_BOOT_TIMEOUT to a Go duration longer than the first " +
		"login takes (TS_BOOT_TIMEOUT=3m); on older releases the 60 s cannot be changed: make the login fast " +
		"(a pre-approved auth key instead of an OAuth client) or upgrade.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		v, ok := c.Tailscale.Lookup("TS_BOOT_TIMEOUT")
		if !ok || Unresolved(v) {
			return nil
		}
		if c.TalosVersion != "" && c.TalosBefore(1, 14) {
			return []Result{{
				Message: fmt.Sprintf("TS_BOOT_TIMEOUT is ignored by the Tailscale %s the Talos %s extension bundles: the boot deadline stays 60 s", BundledTailscale(c), c.TalosVersion),
				At:      AtEnv("TS_BOOT_TIMEOUT"),
			}}
		}
		d, err := time.ParseDuration(v)
		if v != "" && err != nil {
			return []Result{{
				Severity: sev(Error),
				Message:  fmt.Sprintf("TS_BOOT_TIMEOUT=%q is not a Go duration (30s, 3m): containerboot 1.102.3+ refuses to start", v),
				At:       AtEnv("TS_BOOT_TIMEOUT"),
			}}
		}
		if err == nil && d < 60*time.Second {
			return []Result{{
				Severity: sev(Info),
				Message:  fmt.Sprintf("TS_BOOT_TIMEOUT=%s is shorter than the 60 s default: a slow first login restarts the service sooner", v),
				At:       AtEnv("TS_BOOT_TIMEOUT"),
			}}
		}
		if BundledTailscale(c) == "" {
			return []Result{{
				Severity: sev(Info),
				Message:  "TS_BOOT_TIMEOUT is read only by containerboot 1.102.3 and newer (the extension of Talos 1.14.1 and later); on older extensions the deadline stays 60 s",
				At:       AtEnv("TS_BOOT_TIMEOUT"),
			}}
		}
		return nil
	},
})
