package rules

import "fmt"

// KubeSpanPort is KubeSpan's fixed WireGuard UDP port.
const KubeSpanPort = "51820"

// tailscalePort returns the UDP port tailscaled listens on when fixed, and
// where it is set; --port wins over PORT.
func tailscalePort(t *Tailscale) (port, key string) {
	if f, ok := t.TailscaledArgs().Find("port"); ok {
		return f.Value, "TS_TAILSCALED_EXTRA_ARGS"
	}
	if v, ok := t.Lookup("PORT"); ok {
		return v, "PORT"
	}
	return "", ""
}

var _ = register(&Rule{
	ID:       "TS140",
	Title:    "tailscaled's UDP port clashes with KubeSpan's 51820",
	Severity: Error,
	Topic:    TopicPort,
	Why: "KubeSpan's WireGuard listens on UDP 51820 and the port cannot be changed. tailscaled set to the same port " +
		"(PORT or --port) fails to bind, or takes the port first and KubeSpan's peers go down.",
	Sources: []string{
		"siderolabs/talos v1.14.1 pkg/machinery/constants/constants.go (KubeSpanDefaultPort = 51820); siderolabs/talos#13521 (the KubeSpan port is not configurable)",
		"tailscale/tailscale v1.96.5 cmd/tailscaled/tailscaled.go defaultPort (PORT, otherwise a random port)",
	},
	Fix: "Use Tailscale's conventional port: PORT=41641.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil || !c.KubeSpan.Enabled {
			return nil
		}
		port, key := tailscalePort(t)
		if port != KubeSpanPort {
			return nil
		}
		edit := SetEnv("PORT", "41641")
		if key == "TS_TAILSCALED_EXTRA_ARGS" {
			edit = Edit{EnvKey: key, DropFlags: []string{"port"}, AddArgs: "--port=41641"}
		}
		return []Result{{
			Message: fmt.Sprintf("%s sets tailscaled's port to %s, KubeSpan's WireGuard port", key, port),
			At:      AtEnv(key),
			Edits:   []Edit{edit},
		}}
	},
})
