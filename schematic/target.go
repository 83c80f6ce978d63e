package schematic

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/blang/semver/v4"
	"github.com/siderolabs/talos/pkg/machinery/platforms"

	"github.com/tailos/tailos/facts/imagefactory"
)

// Target is where a schematic's assets are downloaded from and for what:
// a factory, a Talos version, a platform and architecture, secure boot.
type Target struct {
	Factory      string // factory base URL; empty means imagefactory.DefaultURL
	TalosVersion string // v1.14.1 (the leading v is optional)
	Platform     string // metal, aws, nocloud, ...
	Arch         string // amd64 or arm64
	SecureBoot   bool
	// Overlay is set for schematics with a board overlay (single-board
	// computers): the factory builds them as metal arm64 board images.
	Overlay bool
	// PXEFactory is the base URL iPXE scripts are served from; empty means
	// https://pxe.factory.talos.dev for the public factory (the host Talos
	// docs and the terraform provider use) and the factory itself otherwise
	// (the factory's --external-pxe-url defaults to its own URL).
	PXEFactory string
}

// Factory's lowest supported Talos version (image-factory --min-talos-version).
var minFactoryVersion = semver.MustParse("1.2.0")

// Secure boot images exist from Talos 1.5 (factory UI rule), and UKIs too.
var minSecureBootVersion = semver.MustParse("1.5.0")

// Board overlays exist from Talos 1.7 (imager quirk SupportsOverlay).
var minOverlayVersion = semver.MustParse("1.7.0")

// resolved is a validated target with its platform metadata.
type resolved struct {
	factory  *url.URL
	pxe      *url.URL
	version  string // with the leading v
	semver   semver.Version
	platform platforms.Platform
	arch     string
	sb       bool
	overlay  bool
}

// Platforms returns every platform the factory builds for, metal first.
func Platforms() []platforms.Platform {
	return append([]platforms.Platform{platforms.MetalPlatform()}, platforms.CloudPlatforms()...)
}

// LookupPlatform returns the named platform's metadata. It looks in
// machinery's tables directly rather than in a copy of them (Platforms),
// and metal, the common case, first.
func LookupPlatform(name string) (platforms.Platform, bool) {
	if m := platforms.MetalPlatform(); m.Name == name {
		return m, true
	}
	for _, p := range platforms.CloudPlatforms() {
		if p.Name == name {
			return p, true
		}
	}
	return platforms.Platform{}, false
}

// ParseTalosVersion parses a Talos release version, v1.14.1 or 1.14.1.
func ParseTalosVersion(v string) (semver.Version, error) {
	sv, err := semver.Parse(strings.TrimPrefix(v, "v"))
	if err != nil {
		return semver.Version{}, fmt.Errorf("invalid Talos version %q: want a release such as v1.14.1", v)
	}
	return sv, nil
}

// ParseFactoryURL checks a factory base URL: http(s), a host, no path (the
// factory serves its OCI registry at the host root).
func ParseFactoryURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = imagefactory.DefaultURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("invalid factory URL %q: want https://host[:port]", raw)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("invalid factory URL %q: a factory is served at the root of its host, drop the path", raw)
	}
	u.Path = ""
	return u, nil
}

// Validate checks the target against the factory's platform table: the
// platform exists, supports the architecture and secure boot, and the
// Talos version is recent enough for both.
func (t Target) Validate() error {
	_, err := t.resolve()
	return err
}

func (t Target) resolve() (*resolved, error) {
	f, err := ParseFactoryURL(t.Factory)
	if err != nil {
		return nil, err
	}
	var pxe *url.URL
	switch {
	case t.PXEFactory != "":
		if pxe, err = ParseFactoryURL(t.PXEFactory); err != nil {
			return nil, fmt.Errorf("PXE: %w", err)
		}
	case f.Host == imagefactory.DefaultHost:
		pxe = &url.URL{Scheme: "https", Host: "pxe.factory.talos.dev"}
	default:
		pxe = f
	}
	if t.TalosVersion == "" {
		return nil, fmt.Errorf("a Talos version is required, e.g. v1.14.1")
	}
	sv, err := ParseTalosVersion(t.TalosVersion)
	if err != nil {
		return nil, err
	}
	if sv.LT(minFactoryVersion) {
		return nil, fmt.Errorf("Talos %s is older than the oldest the Image Factory builds (v%s)", t.TalosVersion, minFactoryVersion) //nolint:staticcheck // ST1005: Talos is a name
	}
	p, ok := LookupPlatform(t.Platform)
	if !ok {
		names := make([]string, 0, 20)
		for _, p := range Platforms() {
			names = append(names, p.Name)
		}
		return nil, fmt.Errorf("unknown platform %q; one of %s", t.Platform, strings.Join(names, ", "))
	}
	if !p.MinVersion.Equals(semver.Version{}) && sv.LT(p.MinVersion) {
		return nil, fmt.Errorf("platform %s needs Talos v%s or later, not %s", p.Name, p.MinVersion, t.TalosVersion)
	}
	if !slices.Contains(p.Architectures, t.Arch) {
		return nil, fmt.Errorf("platform %s has no %q images; architectures: %s", p.Name, t.Arch, strings.Join(p.Architectures, ", "))
	}
	if t.SecureBoot {
		if !p.SecureBootSupported {
			return nil, fmt.Errorf("platform %s has no secure boot images; secure boot platforms: %s", p.Name, strings.Join(secureBootPlatforms(), ", "))
		}
		if sv.LT(minSecureBootVersion) {
			return nil, fmt.Errorf("secure boot images need Talos v%s or later, not %s", minSecureBootVersion, t.TalosVersion)
		}
	}
	if t.Overlay {
		if p.Name != platforms.MetalPlatform().Name || t.Arch != platforms.ArchArm64 || t.SecureBoot {
			return nil, fmt.Errorf("board overlays are built as metal arm64 images without secure boot, not %s %s", p.Name, t.Arch)
		}
		if sv.LT(minOverlayVersion) {
			return nil, fmt.Errorf("board overlays need Talos v%s or later, not %s", minOverlayVersion, t.TalosVersion)
		}
	}
	return &resolved{
		factory: f, pxe: pxe, version: "v" + sv.String(), semver: sv,
		platform: p, arch: t.Arch, sb: t.SecureBoot, overlay: t.Overlay,
	}, nil
}

func secureBootPlatforms() []string {
	var out []string
	for _, p := range Platforms() {
		if p.SecureBootSupported {
			out = append(out, p.Name)
		}
	}
	return out
}
