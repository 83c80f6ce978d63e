package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfoTailosVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name, stamped string
		bi            *debug.BuildInfo
		want          string
		wantRev       string
		wantModified  bool
	}{
		{name: "stamped by the release build wins", stamped: "v0.3.0", bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}, Settings: vcs(rev, "true")}, want: "v0.3.0", wantRev: rev, wantModified: true},
		{name: "go install module@version", stamped: Dev, bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}}, want: "v0.2.0"},
		{name: "clean checkout", stamped: Dev, bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "false")}, want: "dev+0123456789ab", wantRev: rev},
		{name: "dirty checkout", stamped: "", bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")}, want: "dev+0123456789ab.dirty", wantRev: rev, wantModified: true},
		{name: "built with -buildvcs=false", stamped: Dev, bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, want: Dev},
		{name: "no build info", stamped: "", bi: nil, want: Dev},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromBuildInfo(tt.stamped, tt.bi)
			if got.Tailos != tt.want || got.Revision != tt.wantRev || got.Modified != tt.wantModified {
				t.Errorf("got %q rev %q modified %v, want %q rev %q modified %v", got.Tailos, got.Revision, got.Modified, tt.want, tt.wantRev, tt.wantModified)
			}
		})
	}
}

func TestFromBuildInfoMachinery(t *testing.T) {
	tests := []struct {
		name string
		deps []*debug.Module
		want string
	}{
		{name: "required", deps: []*debug.Module{{Path: MachineryModule, Version: "v1.14.1"}}, want: "v1.14.1"},
		{name: "replaced", deps: []*debug.Module{{Path: MachineryModule, Version: "v1.14.1", Replace: &debug.Module{Path: MachineryModule, Version: "v1.14.2"}}}, want: "v1.14.2"},
		{name: "absent", deps: []*debug.Module{{Path: "tailscale.com", Version: "v1.96.5"}}, want: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromBuildInfo("", &debug.BuildInfo{Deps: tt.deps}).Machinery; got != tt.want {
				t.Errorf("machinery %q, want %q", got, tt.want)
			}
		})
	}
}
