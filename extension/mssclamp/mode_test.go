//go:build linux

package mssclamp

import (
	"testing"

	"github.com/tailos/tailos/spec"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{in: "", want: Mode{}},
		{in: "auto", want: Mode{}},
		{in: " AUTO ", want: Mode{}},
		{in: "off", want: Mode{Off: true}},
		{in: "1200", want: Mode{MTU: 1200}},
		{in: "576", want: Mode{MTU: 576}},
		{in: "9000", want: Mode{MTU: 9000}},
		{in: "575", wantErr: true},
		{in: "9001", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "on", wantErr: true},
		{in: "1200b", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseMode(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseMode(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err == nil {
			back, err := ParseMode(got.String())
			if err != nil || back != got {
				t.Errorf("ParseMode(%q).String() = %q does not parse back: %+v, %v", tt.in, got.String(), back, err)
			}
		}
	}
}

func TestMSS(t *testing.T) {
	tests := []struct {
		mtu    int
		v4, v6 uint16
	}{
		{1280, 1240, 1220},
		{1500, 1460, 1440},
		{1420, 1380, 1360},
		{30, 0, 0},
		{70000, 0xffff, 0xffff},
	}
	for _, tt := range tests {
		v4, v6 := MSS(tt.mtu)
		if v4 != tt.v4 || v6 != tt.v6 {
			t.Errorf("MSS(%d) = %d/%d, want %d/%d", tt.mtu, v4, v6, tt.v4, tt.v6)
		}
	}
}

// The spec validates tailnet.mssClamp with the clamp's own limits.
func TestLimitsMatchSpec(t *testing.T) {
	if spec.MinClampMTU != MinMTU || spec.MaxClampMTU != MaxMTU {
		t.Errorf("spec accepts %d–%d, the clamp %d–%d", spec.MinClampMTU, spec.MaxClampMTU, MinMTU, MaxMTU)
	}
}
