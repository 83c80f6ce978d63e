package mtu

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"tailscale.com/net/tstun"
)

// The constants and TS_DEBUG_MTU parsing agree with the Tailscale release
// tailos targets, read from its own code rather than restated.
func TestAgreesWithTailscale(t *testing.T) {
	if got := int(tstun.TUNToWireMTU(0)); got != IPv6Overhead {
		t.Errorf("tstun overhead %d, IPv6Overhead %d", got, IPv6Overhead)
	}
	if got := int(tstun.WireToTUNMTU(1500)); got != 1500-Overhead(IPv6) {
		t.Errorf("tstun TUN MTU for 1500 is %d, want %d", got, 1500-Overhead(IPv6))
	}
	if tstun.MaxPacketSize != MaxTUN {
		t.Errorf("tstun.MaxPacketSize %d, MaxTUN %d", tstun.MaxPacketSize, MaxTUN)
	}
	for _, v := range []string{"", "0", "67", "1280", "1420", "01400", "65495", "65496", "65503", "70000", "4294967295"} {
		t.Setenv("TS_DEBUG_MTU", v)
		want := int(tstun.DefaultTUNMTU())
		got, err := ParseDebugMTU(v)
		if err != nil || got != want {
			t.Errorf("TS_DEBUG_MTU=%q: tailscaled uses %d, ParseDebugMTU says %d, %v", v, want, got, err)
		}
	}
}

// Values ParseDebugMTU rejects make tailscaled exit at start: checked in a
// child process, since tailscaled's parser calls log.Fatalf.
func TestRejectedValuesStopTailscaled(t *testing.T) {
	if v, ok := os.LookupEnv("TAILOS_TEST_DEFAULT_TUN_MTU"); ok {
		os.Setenv("TS_DEBUG_MTU", v)
		os.Stdout.WriteString(strconv.Itoa(int(tstun.DefaultTUNMTU())))
		os.Exit(0)
	}
	for _, v := range []string{"-1", "0x500", "1420 ", "auto", "4294967296"} {
		if _, err := ParseDebugMTU(v); err == nil {
			t.Errorf("ParseDebugMTU(%q) accepted it", v)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRejectedValuesStopTailscaled$")
		cmd.Env = append(os.Environ(), "TAILOS_TEST_DEFAULT_TUN_MTU="+v)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "invalid unsigned integer environment variable TS_DEBUG_MTU") {
			t.Errorf("TS_DEBUG_MTU=%q: tailscaled's parser did not stop (%v): %s", v, err, out)
		}
	}
}
