package mtu

import (
	"strings"
	"testing"
)

func TestParseDebugMTU(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  string
	}{
		{"", 1280, ""},
		{"1420", 1420, ""},
		{"0", 0, ""},
		{"01400", 1400, ""},
		{"65495", 65495, ""},
		{"65496", 65495, ""},
		{"65503", 65495, ""},
		{"4294967295", 65495, ""},
		{"4294967296", 0, "base-10 unsigned integer"},
		{"-1", 0, "base-10"},
		{"0x500", 0, "base-10"},
		{"1420 ", 0, "base-10"},
		{"+1420", 0, "base-10"},
		{"auto", 0, `TS_DEBUG_MTU="auto"`},
	} {
		got, err := ParseDebugMTU(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseDebugMTU(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDebugMTU(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
}
