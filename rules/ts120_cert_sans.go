package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tailos/tailos/facts/tailnetip"
)

// MagicDNSName returns the node's MagicDNS FQDN when both its tailnet
// hostname and the tailnet domain are known.
func MagicDNSName(c *Config) string {
	if c.Tailscale == nil || c.TailnetDomain == "" {
		return ""
	}
	host := c.Tailscale.Get("TS_HOSTNAME")
	if f, ok := c.Tailscale.ExtraArgs().Find("hostname"); ok && host == "" {
		host = f.Value
	}
	if host == "" {
		host = c.Node
	}
	if host == "" || strings.Contains(host, "${") {
		return ""
	}
	return strings.ToLower(host) + "." + strings.TrimPrefix(c.TailnetDomain, ".")
}

var _ = register(&Rule{
	ID:       "TS120",
	Title:    "the node's MagicDNS name is not in machine.certSANs",
	Severity: Warning,
	Topic:    TopicCertSANs,
	Why: "apid's certificate covers the node's IP addresses, not its tailnet DNS name: `talosctl -n " +
		"node.tailnet.ts.net` fails TLS verification unless the name is in machine.certSANs. This is usually found " +
		"the day the LAN is unreachable and the tailnet is the only way in.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/secrets/api_cert_sans.go (node addresses and hostname are added; other DNS names need machine.certSANs)",
		"wcygan/homelab docs/talos-linux/tailscale-integration.md (\"Certificate SANs Critical\")",
	},
	Fix: "Add the MagicDNS name (<hostname>.<tailnet>.ts.net) to machine.certSANs (and to the API server SANs if " +
		"kubectl also goes over the tailnet).",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		name := MagicDNSName(c)
		if name == "" {
			for _, s := range c.CertSANs {
				// An unresolved ${VAR} may well be the tailnet address
				// (TS038 and the notes say it was not checked).
				if strings.HasSuffix(s, ".ts.net") || tailnetip.IPv4.Contains(mustAddr(s)) || Unresolved(s) {
					return nil
				}
			}
			return []Result{{
				Severity: sev(Info),
				Message:  "no tailnet name or address in machine.certSANs: talosctl over MagicDNS will fail TLS verification (pass --tailnet-domain to check the exact name)",
				At:       At(DocV1Alpha1, "machine.certSANs"),
			}}
		}
		if slices.Contains(c.CertSANs, name) {
			return nil
		}
		return []Result{{
			Message: fmt.Sprintf("machine.certSANs lacks the MagicDNS name %s", name),
			At:      At(DocV1Alpha1, "machine.certSANs"),
			Edits:   []Edit{SetField(DocV1Alpha1, "machine.certSANs", []string{name}, false)},
		}}
	},
})
