package mtu

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The table in docs/mtu.md is what FromUnderlay computes.
func TestDocsTable(t *testing.T) {
	b, err := os.ReadFile("../docs/mtu.md")
	if err != nil {
		t.Fatal(err)
	}
	// | 1500 | Ethernet | 1440 | yes (…) | 1420 | yes (…) |
	row := regexp.MustCompile(`(?m)^\| (\d+) \| [^|]+ \| (\d+)( ⚠)? \| (\S+)[^|]* \| (\d+)( ⚠)? \| (\S+)[^|]* \|$`)
	rows := row.FindAllStringSubmatch(string(b), -1)
	if len(rows) != 7 {
		t.Fatalf("found %d table rows in docs/mtu.md, want 7", len(rows))
	}
	for _, r := range rows {
		underlay, _ := strconv.Atoi(r[1])
		for i, f := range []Family{IPv4, IPv6} {
			tun, _ := strconv.Atoi(r[2+3*i])
			floor := r[3+3*i] != ""
			fits := strings.Trim(r[4+3*i], "*") == "yes"
			res, err := FromUnderlay(underlay, f, false)
			if err != nil {
				t.Fatal(err)
			}
			if res.TUN != tun || res.DefaultFits != fits {
				t.Errorf("docs: %d over %s → %d, default fits %v; computed %d, %v", underlay, f, tun, fits, res.TUN, res.DefaultFits)
			}
			with6, _ := FromUnderlay(underlay, f, true)
			if floor != (len(with6.Warnings) > 0) {
				t.Errorf("docs: %d over %s marked ⚠=%v, but FromUnderlay warns %q", underlay, f, floor, with6.Warnings)
			}
		}
	}
}
