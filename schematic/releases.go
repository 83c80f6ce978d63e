package schematic

import (
	"fmt"
	"sort"
)

// Release is what a Talos release line shipped, known without the network.
type Release struct {
	Talos     string `json:"talos"`     // the .0 release of the line
	Tailscale string `json:"tailscale"` // siderolabs/tailscale in it
}

// KnownReleases lists the Tailscale version of siderolabs/tailscale at the
// first release of each Talos minor line (siderolabs/extensions tags,
// network/vars.yaml). Patch releases may ship newer Tailscale builds; the
// factory's extension list (--online) is authoritative.
var knownReleases = []Release{
	{"v1.7.0", "1.62.1"},
	{"v1.8.0", "1.72.1"},
	{"v1.9.0", "1.76.6"},
	{"v1.10.0", "1.82.0"},
	{"v1.11.0", "1.84.2"},
	{"v1.12.0", "1.92.3"},
	{"v1.13.0", "1.96.4"},
}

// KnownReleases returns the offline table, oldest first.
func KnownReleases() []Release {
	out := append([]Release(nil), knownReleases...)
	sort.SliceStable(out, func(i, j int) bool {
		a, _ := ParseTalosVersion(out[i].Talos)
		b, _ := ParseTalosVersion(out[j].Talos)
		return a.LT(b)
	})
	return out
}

// KnownRelease returns the offline entry of the minor line of version.
func KnownRelease(version string) (Release, error) {
	sv, err := ParseTalosVersion(version)
	if err != nil {
		return Release{}, err
	}
	for _, r := range knownReleases {
		rv, _ := ParseTalosVersion(r.Talos)
		if rv.Major == sv.Major && rv.Minor == sv.Minor {
			return r, nil
		}
	}
	return Release{}, fmt.Errorf("no offline record of Talos v%d.%d: pass --online to ask the factory", sv.Major, sv.Minor)
}
