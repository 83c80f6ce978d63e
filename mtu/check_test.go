package mtu

import (
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tun      int
		underlay int
		f        Family
		v6       bool
		codes    []string
		fix      string // in the first problem's Fix
	}{
		{"default on 1500", 1280, 1500, IPv6, true, nil, ""},
		{"computed on 1500", 1420, 1500, IPv6, true, nil, ""},
		{"exact fit v4", 1440, 1500, IPv4, true, nil, ""},
		{"one over v4", 1441, 1500, IPv4, true, []string{CodeExceedsUnderlay}, "TS_DEBUG_MTU=1440"},
		{"v4 value on v6 underlay", 1440, 1500, IPv6, true, []string{CodeExceedsUnderlay}, "TS_DEBUG_MTU=1420"},
		{"wireguard-go default on PPPoE", 1420, 1492, IPv6, true, []string{CodeExceedsUnderlay}, "TS_DEBUG_MTU=1412"},
		{"default on PPPoE fits", 1280, 1492, IPv6, true, nil, ""},
		{"default on 1300", 1280, 1300, IPv6, true, []string{CodeExceedsUnderlay}, "raise the underlay MTU to at least 1360"},
		{"default on 1300 without tailnet IPv6", 1280, 1300, IPv6, false, []string{CodeExceedsUnderlay}, "TS_DEBUG_MTU=1220"},
		{"1220 on 1300 with IPv6", 1220, 1300, IPv6, true, []string{CodeBelowIPv6Minimum}, "TS_DEBUG_MTU=1280"},
		{"1220 on 1300 without IPv6", 1220, 1300, IPv6, false, nil, ""},
		{"unknown underlay", 1420, 0, IPv6, true, nil, ""},
		{"unknown underlay below IPv6", 1200, 0, IPv6, true, []string{CodeBelowIPv6Minimum}, "1280 or more"},
		{"above max", 70000, 0, IPv6, true, []string{CodeAboveMax}, "mtu: auto"},
		{"above max and underlay", 65504, 9000, IPv6, true, []string{CodeAboveMax, CodeExceedsUnderlay}, "TS_DEBUG_MTU=8920"},
		{"max is fine", 65495, 0, IPv6, true, nil, ""},
		{"upstream wireguard-go max is above", 65503, 0, IPv6, true, []string{CodeAboveMax}, ""},
		{"zero", 0, 1500, IPv6, true, []string{CodeInvalid}, "TS_DEBUG_MTU=1420"},
		{"below linux tun minimum", 67, 0, IPv4, false, []string{CodeInvalid}, ""},
		{"below 576", 500, 1500, IPv4, false, []string{CodeInvalid}, "TS_DEBUG_MTU=1440"},
		{"nonsense underlay", 1280, 100, IPv6, true, []string{CodeInvalid}, "ip link show"},
		{"bad family", 1280, 1500, 5, true, []string{CodeInvalid}, "4 or 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := Check(tc.tun, tc.underlay, tc.f, tc.v6)
			var codes []string
			for _, p := range ps {
				codes = append(codes, p.Code)
				if p.Message == "" || p.Fix == "" {
					t.Errorf("problem %+v lacks message or fix", p)
				}
			}
			if !slices.Equal(codes, tc.codes) {
				t.Fatalf("Check(%d, %d, %d, %v) codes %q, want %q: %+v", tc.tun, tc.underlay, tc.f, tc.v6, codes, tc.codes, ps)
			}
			if tc.fix != "" && !strings.Contains(ps[0].Fix, tc.fix) {
				t.Errorf("fix %q, want it to contain %q", ps[0].Fix, tc.fix)
			}
		})
	}
}

// A value recommended by FromUnderlay must never be flagged by Check unless
// FromUnderlay warned too.
func TestFromUnderlayPassesCheck(t *testing.T) {
	for _, f := range []Family{IPv4, IPv6} {
		for _, v6 := range []bool{true, false} {
			for u := IPv4MinDatagram; u <= 9100; u++ {
				r, err := FromUnderlay(u, f, v6)
				if err != nil {
					t.Fatal(err)
				}
				ps := Check(r.TUN, u, f, v6)
				if (len(ps) == 0) != (len(r.Warnings) == 0) {
					t.Fatalf("underlay %d family %d v6 %v: FromUnderlay %d warnings %q but Check %+v", u, f, v6, r.TUN, r.Warnings, ps)
				}
			}
		}
	}
}
