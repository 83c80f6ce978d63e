package schematic

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tailos/tailos/facts/containerboot"
)

// The offline table and containerboot.BundledWith state one fact from two
// sides: which Tailscale the official extension of a Talos line ships, and
// whose environment contract it follows. From the first line whose
// contract is kept (Talos 1.13, Tailscale 1.96), they must name the same
// Tailscale minor line.
func TestKnownReleasesAgreeWithContract(t *testing.T) {
	minor := func(v string) string {
		parts := strings.SplitN(v, ".", 3)
		return parts[0] + "." + parts[1]
	}
	// Tailscale's minor number alone orders its 1.x releases.
	minorNum := func(v string) int {
		n, err := strconv.Atoi(strings.SplitN(v, ".", 3)[1])
		if err != nil {
			t.Fatalf("version %q: %v", v, err)
		}
		return n
	}
	oldest := minorNum(containerboot.Releases()[0])
	checked := 0
	for _, r := range KnownReleases() {
		if minorNum(r.Tailscale) < oldest {
			continue // older than every kept contract: BundledWith gives the oldest
		}
		got := containerboot.BundledWith(r.Talos)
		if got == "" || minor(got) != minor(r.Tailscale) {
			t.Errorf("Talos %s: the offline table says Tailscale %s, containerboot.BundledWith says %q", r.Talos, r.Tailscale, got)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no release line compared")
	}
}
