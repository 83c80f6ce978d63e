package lab

import (
	"strings"
	"testing"
)

// Headscale hands out addresses from Tailscale's own ranges, so the lab's
// nodes get the addresses real tailnet nodes get.
func TestHeadscaleConfigPrefixes(t *testing.T) {
	c := headscaleConfig("/lab", "198.18.0.1")
	if !strings.Contains(c, "prefixes:\n  v4: 100.64.0.0/10\n  v6: fd7a:115c:a1e0::/48\n") {
		t.Errorf("prefixes not Tailscale's:\n%s", c)
	}
	if strings.Contains(c, "%!") {
		t.Errorf("a verb without its argument:\n%s", c)
	}
}
