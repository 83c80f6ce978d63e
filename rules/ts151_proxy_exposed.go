package rules

import (
	"fmt"
	"net"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS151",
	Title:    "SOCKS5/HTTP proxy or debug listener on every interface",
	Severity: Warning,
	Topic:    TopicExposure,
	Why: "TS_SOCKS5_SERVER and TS_OUTBOUND_HTTP_PROXY_LISTEN open proxies into the tailnet, TS_DEBUG_ADDR_PORT " +
		"exposes tailscaled's debug handlers. In the host network namespace an empty or wildcard host makes them " +
		"reachable from the LAN: anyone there can reach the tailnet as this node.",
	Sources: []string{"tailscale/tailscale v1.96.5 cmd/containerboot/tailscaled.go tailscaledArgs (TS_SOCKS5_SERVER, TS_OUTBOUND_HTTP_PROXY_LISTEN, TS_DEBUG_ADDR_PORT)"},
	Fix:     "Bind them to 127.0.0.1 (e.g. TS_SOCKS5_SERVER=127.0.0.1:1055) or remove them.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		var out []Result
		for _, k := range []string{"TS_SOCKS5_SERVER", "TS_OUTBOUND_HTTP_PROXY_LISTEN", "TS_DEBUG_ADDR_PORT"} {
			v := t.Get(k)
			if v == "" {
				continue
			}
			host, port, err := net.SplitHostPort(v)
			if err != nil || host != "" && host != "0.0.0.0" && host != "::" && !strings.EqualFold(host, "[::]") {
				continue
			}
			out = append(out, Result{
				Message: fmt.Sprintf("%s=%s listens on every interface of the node", k, v),
				At:      AtEnv(k),
				Edits:   []Edit{SetEnv(k, "127.0.0.1:"+port)},
			})
		}
		return out
	},
})
