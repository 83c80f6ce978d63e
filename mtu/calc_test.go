package mtu

import (
	"strings"
	"testing"
)

func TestOverhead(t *testing.T) {
	for _, tc := range []struct {
		f    Family
		want int
	}{{IPv4, 60}, {IPv6, 80}, {0, 80}, {5, 80}} {
		if got := Overhead(tc.f); got != tc.want {
			t.Errorf("Overhead(%d) = %d, want %d", tc.f, got, tc.want)
		}
	}
}

func TestFromUnderlay(t *testing.T) {
	for _, tc := range []struct {
		underlay    int
		f           Family
		v6          bool
		tun         int
		defaultFits bool
		warn        string
		arith       string
	}{
		{1500, IPv6, true, 1420, true, "", "1500 − 80 (WireGuard over IPv6: 40 IPv6 + 8 UDP + 32 WireGuard) = 1420"},
		{1500, IPv4, true, 1440, true, "", "1500 − 60 (WireGuard over IPv4: 20 IPv4 + 8 UDP + 32 WireGuard) = 1440"},
		{1500, 0, true, 1420, true, "", "1500 − 80 "},
		// PPPoE: 1280 + 80 = 1360 fits in 1492.
		{1492, IPv6, true, 1412, true, "", "1492 − 80 "},
		{1492, IPv4, true, 1432, true, "", "1492 − 60 "},
		{1400, IPv6, true, 1320, true, "", "= 1320"},
		{1400, IPv4, true, 1340, true, "", "= 1340"},
		{1360, IPv6, true, 1280, true, "", "= 1280"},
		{1340, IPv4, true, 1280, true, "", "= 1280"},
		// Below 1360 the IPv6 floor binds for an IPv6 outer header.
		{1300, IPv6, true, 1280, false, "raise the underlay MTU to at least 1360", "1300 − 80 (WireGuard over IPv6: 40 IPv6 + 8 UDP + 32 WireGuard) = 1220 < 1280 (IPv6 minimum) → 1280"},
		{1300, IPv6, false, 1220, false, "", "= 1220"},
		{1300, IPv4, true, 1280, false, "at least 1340", "= 1240 < 1280"},
		{1300, IPv4, false, 1240, false, "", "= 1240"},
		{1280, IPv6, true, 1280, false, "1280 + 80 = 1360 bytes on a 1280-byte underlay", "= 1200 < 1280"},
		{1280, IPv4, false, 1220, false, "", "= 1220"},
		{9000, IPv6, true, 8920, true, "", "9000 − 80 "},
		{9000, IPv4, true, 8940, true, "", "9000 − 60 "},
		{576, IPv4, false, 516, false, "below 576", "576 − 60 "},
		{65535, IPv4, true, 65475, true, "", "= 65475"},
	} {
		r, err := FromUnderlay(tc.underlay, tc.f, tc.v6)
		if err != nil {
			t.Errorf("FromUnderlay(%d, %d, %v): %v", tc.underlay, tc.f, tc.v6, err)
			continue
		}
		if r.TUN != tc.tun || r.DefaultFits != tc.defaultFits || r.Underlay != tc.underlay {
			t.Errorf("FromUnderlay(%d, %d, %v) = TUN %d defaultFits %v, want %d %v", tc.underlay, tc.f, tc.v6, r.TUN, r.DefaultFits, tc.tun, tc.defaultFits)
		}
		if !strings.Contains(r.Arithmetic, tc.arith) {
			t.Errorf("FromUnderlay(%d, %d, %v) arithmetic %q, want it to contain %q", tc.underlay, tc.f, tc.v6, r.Arithmetic, tc.arith)
		}
		if tc.warn == "" && len(r.Warnings) > 0 {
			t.Errorf("FromUnderlay(%d, %d, %v): unexpected warnings %q", tc.underlay, tc.f, tc.v6, r.Warnings)
		}
		if tc.warn != "" && (len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], tc.warn)) {
			t.Errorf("FromUnderlay(%d, %d, %v) warnings %q, want one containing %q", tc.underlay, tc.f, tc.v6, r.Warnings, tc.warn)
		}
		// Whatever is recommended without a warning must fit.
		if len(r.Warnings) == 0 && !Fits(r.TUN, r.Underlay, r.Family) {
			t.Errorf("FromUnderlay(%d, %d, %v) = %d does not fit", tc.underlay, tc.f, tc.v6, r.TUN)
		}
	}
}

func TestFromUnderlayErrors(t *testing.T) {
	for _, tc := range []struct {
		underlay int
		f        Family
		want     string
	}{
		{575, IPv6, "575 is not plausible"},
		{0, IPv6, "0 is not plausible"},
		{-1500, IPv4, "not plausible"},
		{65536, IPv4, "65536 is not plausible"},
		{1500, 5, "family 5"},
	} {
		_, err := FromUnderlay(tc.underlay, tc.f, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromUnderlay(%d, %d) error %v, want %q", tc.underlay, tc.f, err, tc.want)
		}
	}
}
