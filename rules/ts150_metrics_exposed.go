package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS150",
	Title:    "metrics or health endpoint listens on every interface",
	Severity: Warning,
	Topic:    TopicExposure,
	Why: "TS_ENABLE_METRICS and TS_ENABLE_HEALTH_CHECK serve /metrics and /healthz on TS_LOCAL_ADDR_PORT, default " +
		"[::]:9002. The extension runs in the host network namespace, so that is every address of the node — LAN, " +
		"public and tailnet — with no authentication.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/settings.go (TS_LOCAL_ADDR_PORT default [::]:9002, TS_ENABLE_METRICS, TS_ENABLE_HEALTH_CHECK)",
		"https://tailscale.com/kb/1482/client-metrics",
	},
	Fix: "Set TS_LOCAL_ADDR_PORT to a specific address, e.g. the node's LAN IP or 127.0.0.1:9002.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil || t.Get("TS_LOCAL_ADDR_PORT") != "" {
			return nil
		}
		for _, k := range []string{"TS_ENABLE_METRICS", "TS_ENABLE_HEALTH_CHECK"} {
			if parseBool(t.Get(k)) {
				return []Result{{
					Message: fmt.Sprintf("%s=true without TS_LOCAL_ADDR_PORT serves on [::]:9002, every interface of the node", k),
					At:      AtEnv(k),
					Edits:   []Edit{SetEnv("TS_LOCAL_ADDR_PORT", localAddr(c)+":9002")},
				}}
			}
		}
		return nil
	},
})

// localAddr is the node's single static LAN IPv4 address, else loopback.
func localAddr(c *Config) string {
	var lan []string
	for _, p := range c.Addresses {
		if a := p.Addr(); a.Is4() && !tailnetip.IPv4.Contains(a) {
			lan = append(lan, a.String())
		}
	}
	if len(lan) == 1 {
		return lan[0]
	}
	return "127.0.0.1"
}
