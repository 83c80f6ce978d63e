package tailnetip

import (
	"net/netip"
	"testing"
)

// The ranges are Tailscale's; these are the values its docs and every
// config in the field spell, so a change upstream is noticed here.
func TestRanges(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{IPv4.String(), "100.64.0.0/10"},
		{IPv6.String(), "fd7a:115c:a1e0::/48"},
		{Resolver.String(), "100.100.100.100"},
		{Resolver6.String(), "fd7a:115c:a1e0::53"},
		{Via.String(), "fd7a:115c:a1e0:b1a::/64"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestContains(t *testing.T) {
	for _, tt := range []struct {
		addr     string
		tailnet  bool
		resolver bool
	}{
		{"100.64.0.1", true, false},
		{"100.127.255.254", true, false},
		{"100.128.0.1", false, false},
		{"::ffff:100.101.2.3", true, false},
		{"fd7a:115c:a1e0::1", true, false},
		{"fd7a:115c:a1e1::1", false, false},
		{"192.168.1.10", false, false},
		{"100.100.100.100", true, true},
		{"fd7a:115c:a1e0::53", true, true},
	} {
		a := netip.MustParseAddr(tt.addr)
		if got := Contains(a); got != tt.tailnet {
			t.Errorf("Contains(%s) = %v, want %v", a, got, tt.tailnet)
		}
		if got := IsResolver(a); got != tt.resolver {
			t.Errorf("IsResolver(%s) = %v, want %v", a, got, tt.resolver)
		}
	}
}

func TestEndpointFilters(t *testing.T) {
	got := EndpointFilters()
	want := []string{"0.0.0.0/0", "!100.64.0.0/10", "::/0", "!fd7a:115c:a1e0::/48"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}
