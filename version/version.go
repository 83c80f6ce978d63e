package version

import (
	"runtime"
	"runtime/debug"

	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/talosconf"
)

// Dev is the version of a build nobody stamped and the Go build info cannot
// name either (no module version, no VCS data).
const Dev = "dev"

// MachineryModule is the Talos module tailos loads, patches and validates
// configs with; its version comes from the build info.
const MachineryModule = "github.com/siderolabs/talos/pkg/machinery"

// Info is what `tailos version -o json` prints.
type Info struct {
	// Tailos is the release version, the module version of a `go install
	// …@version`, "dev+<revision>" (".dirty" when the tree had changes) for
	// a build from a checkout, or Dev.
	Tailos string `json:"tailos"`
	// Revision and Modified are the VCS data the Go toolchain recorded, if any.
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	// Go is the toolchain the binary was built with; Platform its GOOS/GOARCH.
	Go       string `json:"go"`
	Platform string `json:"platform"`
	// Machinery is the version of Talos's pkg/machinery linked in.
	Machinery string `json:"machinery"`
	// Talos is the range of Talos release lines tailos targets.
	Talos TalosRange `json:"talos"`
	// Tailscale is the release extension builds and the lab default to.
	Tailscale string `json:"tailscale"`
	// Headscale is the control server release the lab runs.
	Headscale string `json:"headscale"`
}

// TalosRange is the supported Talos release lines and the default release.
type TalosRange struct {
	Oldest  string `json:"oldest"`
	Newest  string `json:"newest"`
	Default string `json:"default"`
}

// Get describes the running binary; stamped is the version the release
// build wrote with -ldflags -X (empty or Dev when there was none).
func Get(stamped string) Info {
	bi, _ := debug.ReadBuildInfo()
	return FromBuildInfo(stamped, bi)
}

// FromBuildInfo is Get for a given build info (nil when there is none).
func FromBuildInfo(stamped string, bi *debug.BuildInfo) Info {
	lines := talosconf.SupportedVersions()
	info := Info{
		Go:        runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Machinery: "unknown",
		Talos: TalosRange{
			Oldest:  lines[0],
			Newest:  lines[len(lines)-1],
			Default: talosconf.DefaultTalosVersion,
		},
		Tailscale: lab.TailscaleVersion,
		Headscale: lab.HeadscaleVersion,
	}
	if bi != nil {
		if bi.GoVersion != "" {
			info.Go = bi.GoVersion
		}
		if v := moduleVersion(bi, MachineryModule); v != "" {
			info.Machinery = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	info.Tailos = tailosVersion(stamped, bi, info.Revision, info.Modified)
	return info
}

func tailosVersion(stamped string, bi *debug.BuildInfo, rev string, modified bool) string {
	if stamped != "" && stamped != Dev {
		return stamped
	}
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if rev == "" {
		return Dev
	}
	v := Dev + "+" + short(rev)
	if modified {
		v += ".dirty"
	}
	return v
}

// moduleVersion is the version of dependency path as linked, after replaces.
func moduleVersion(bi *debug.BuildInfo, path string) string {
	for _, d := range bi.Deps {
		if d.Path != path {
			continue
		}
		if d.Replace != nil {
			return d.Replace.Version
		}
		return d.Version
	}
	return ""
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
