//go:build linux

package lab

import (
	"slices"
	"testing"
)

func TestRuntimeEnv(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, []string{}},
		{[]string{"A=1", "B=2"}, []string{"A=1", "B=2"}},
		{[]string{"TS_STATE_DIR=/var/lib/tailscale", "X=1", "TS_STATE_DIR=mem:"}, []string{"X=1", "TS_STATE_DIR=mem:"}},
		{[]string{"A=1", "A=", "B=2"}, []string{"A=", "B=2"}},
	} {
		if got := RuntimeEnv(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("RuntimeEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
