package release

import (
	"fmt"
	"regexp"
	"strings"
)

// Target is one GOOS/GOARCH pair.
type Target struct {
	OS, Arch string
}

func (t Target) String() string { return t.OS + "/" + t.Arch }

// DefaultTargets are the platforms a release ships binaries for.
var DefaultTargets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
}

// ParseTarget reads "linux/amd64".
func ParseTarget(s string) (Target, error) {
	for _, t := range DefaultTargets {
		if t.String() == s {
			return t, nil
		}
	}
	names := make([]string, len(DefaultTargets))
	for i, t := range DefaultTargets {
		names[i] = t.String()
	}
	return Target{}, fmt.Errorf("target %q: want one of %s", s, strings.Join(names, ", "))
}

// Options describe one release build.
type Options struct {
	// Version is stamped into the binaries and names the archives: a
	// semantic version with a leading v (v0.3.0, v0.3.0-rc.1).
	Version string
	// Source is the module root to build (default ".").
	Source string
	// Out is the directory to write; it must not exist or be empty. The
	// release is assembled next to it and renamed into place.
	Out string
	// Targets default to DefaultTargets.
	Targets []Target
	// NoImage skips the OCI image (which needs linux/amd64 and linux/arm64
	// among the targets; with only one of them the image has one platform).
	NoImage bool
	// Go is the go command (default "go"); Env is added to its environment.
	Go  string
	Env []string
	// Progress, when set, is told what is being built.
	Progress func(format string, args ...any)
}

// semverRE is the SemVer 2.0 grammar with Go's leading v.
var semverRE = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Validate checks the options and fills in the defaults, as Build does
// before it builds anything.
func (o *Options) Validate() error { return o.normalize() }

func (o *Options) normalize() error {
	if !semverRE.MatchString(o.Version) {
		return fmt.Errorf("version %q: want a semantic version with a leading v, e.g. v0.3.0", o.Version)
	}
	if o.Out == "" {
		return fmt.Errorf("no output directory")
	}
	if o.Source == "" {
		o.Source = "."
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if len(o.Targets) == 0 {
		o.Targets = DefaultTargets
	}
	seen := map[Target]bool{}
	for _, t := range o.Targets {
		if _, err := ParseTarget(t.String()); err != nil {
			return err
		}
		if seen[t] {
			return fmt.Errorf("target %s given twice", t)
		}
		seen[t] = true
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	return nil
}

// archiveBase is the archive's name without extension and its top directory.
func archiveBase(version string, t Target) string {
	return fmt.Sprintf("tailos_%s_%s_%s", strings.TrimPrefix(version, "v"), t.OS, t.Arch)
}
