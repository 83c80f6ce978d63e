package rules_test

import (
	"strings"
	"testing"

	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/rules"
)

// TestTS080Underlay pins what TS080 says with and without a known underlay:
// no 1500-byte LAN is assumed, no fix below 1280 is offered, and a bad
// value is reported as fatal for tailscaled.
func TestTS080Underlay(t *testing.T) {
	link := func(mtu string) string {
		return "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: " + mtu + "\n        addresses: [192.168.1.10/24]\n"
	}
	tests := []struct {
		name     string
		input    string
		severity string // "" = no finding
		contains string
		fix      string // expected TS_DEBUG_MTU value of the fix, "" = none
	}{
		{"unknown underlay, 1500", envWith("TS_DEBUG_MTU=1500"), "info", "at least 1580", ""},
		{"unknown underlay, 1280", envWith("TS_DEBUG_MTU=1280"), "", "", ""},
		{"known 1500, 1500", docs(envWith("TS_DEBUG_MTU=1500"), link("1500")), "error", "1560 bytes on a 1500-byte underlay", "1440"},
		{"known 1500, 1440 over IPv4", docs(envWith("TS_DEBUG_MTU=1440"), link("1500")), "", "", ""},
		{"small underlay: no fix below 1280", docs(envWith("TS_DEBUG_MTU=1400"), link("1300")), "error", "1300-byte underlay", ""},
		{"below the IPv6 minimum", envWith("TS_DEBUG_MTU=1200"), "error", "below 1280", ""},
		{"not a number", envWith("TS_DEBUG_MTU=auto"), "error", "exits", ""},
	}
	l := lint.NewLoader(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fs, _ := check(t, l, "ts080.yaml", tt.input, lint.Options{})
			res := only(fs, "TS080")
			if tt.severity == "" {
				if len(res) != 0 {
					t.Fatalf("want no finding, got %+v", res)
				}
				return
			}
			if len(res) == 0 {
				t.Fatalf("want a %s finding, got none", tt.severity)
			}
			f := res[0]
			if f.Severity.String() != tt.severity || !strings.Contains(f.Message, tt.contains) {
				t.Errorf("got %s %q, want %s containing %q", f.Severity, f.Message, tt.severity, tt.contains)
			}
			var fix string
			for _, e := range f.Edits {
				if e.EnvKey == "TS_DEBUG_MTU" {
					fix = e.EnvValue
				}
			}
			if fix != tt.fix {
				t.Errorf("fix TS_DEBUG_MTU=%q, want %q", fix, tt.fix)
			}
		})
	}
}

// TestTS081 pins when TS081 speaks: a forwarding node on the official
// extension whose tailscale0 is smaller than the LAN, not a plain node, not
// an unknown schematic, not an installer known to carry the tailos-built
// extension (nor does TS010 call that one extension-less), and it names
// TAILOS_MSS_CLAMP when that is set.
func TestTS081(t *testing.T) {
	const installer = "machine:\n  install:\n    image: factory.talos.dev/metal-installer/4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b:v1.13.0\n"
	const imagerRef = "registry.lan/talos/installer-tailscale:v1.14.1"
	const imager = "machine:\n  install:\n    image: " + imagerRef + "\n"
	withTailos := lint.Options{Installers: map[string][]string{imagerRef: {rules.TailosExtension}}}
	withOfficial := lint.Options{Installers: map[string][]string{imagerRef: {rules.TailscaleExtension}}}
	link := func(mtu string) string {
		return "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: " + mtu + "\n"
	}
	tests := []struct {
		name     string
		input    string
		contains string // "" = no finding
		opts     lint.Options
	}{
		{"router, default MTU", docs(envWith("TS_ROUTES=10.0.0.0/8"), installer), "tailscale0's MTU 1280 is below Ethernet's 1500", lint.Options{}},
		{"router, tuned MTU", docs(envWith("TS_ROUTES=10.0.0.0/8", "TS_DEBUG_MTU=1420"), installer), "MTU 1420 is below Ethernet's 1500", lint.Options{}},
		{"router, jumbo LAN", docs(envWith("TS_ROUTES=10.0.0.0/8", "TS_DEBUG_MTU=1420"), installer, link("9000")), "below the LAN's 9000", lint.Options{}},
		{"exit node with the variable", docs(envWith("TS_EXTRA_ARGS=--advertise-exit-node", "TAILOS_MSS_CLAMP=1200"), installer), `TAILOS_MSS_CLAMP="1200" is read only by the tailos-built extension`, lint.Options{}},
		{"tailscale0 as large as the LAN", docs(envWith("TS_ROUTES=10.0.0.0/8", "TS_DEBUG_MTU=1400"), installer, link("1400")), "", lint.Options{}},
		{"not a router", docs(envWith(), installer), "", lint.Options{}},
		{"schematic unknown", envWith("TS_ROUTES=10.0.0.0/8"), "", lint.Options{}},
		{"unresolved MTU", docs(envWith("TS_ROUTES=10.0.0.0/8", "TS_DEBUG_MTU=${MTU}"), installer), "", lint.Options{}},
		{"router on the tailos-built extension", docs(envWith("TS_ROUTES=10.0.0.0/8", "TAILOS_MSS_CLAMP=auto"), imager), "", withTailos},
		{"router on an imager installer with the official extension", docs(envWith("TS_ROUTES=10.0.0.0/8"), imager), "tailscale0's MTU 1280 is below Ethernet's 1500", withOfficial},
		{"router on an imager installer nobody described", docs(envWith("TS_ROUTES=10.0.0.0/8"), imager), "", lint.Options{}},
	}
	l := lint.NewLoader(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fs, _ := check(t, l, "ts081.yaml", tt.input, tt.opts)
			if tt.opts.Installers != nil && len(only(fs, "TS010")) != 0 {
				t.Errorf("TS010 on an installer described as carrying %v: %+v", tt.opts.Installers, only(fs, "TS010"))
			}
			res := only(fs, "TS081")
			if tt.contains == "" {
				if len(res) != 0 {
					t.Fatalf("want no finding, got %+v", res)
				}
				return
			}
			if len(res) != 1 || !strings.Contains(res[0].Message, tt.contains) {
				t.Fatalf("want one finding containing %q, got %+v", tt.contains, res)
			}
		})
	}
}
