package imagefactory

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// InstallerRef is a parsed installer image reference.
type InstallerRef struct {
	Ref        string `json:"ref"`
	Registry   string `json:"registry"`
	Repository string `json:"repository"`
	Tag        string `json:"tag,omitempty"`
	Digest     string `json:"digest,omitempty"`

	// Factory is true for Image Factory installer references:
	// <host>/[<prefix>/]<platform>-installer[-secureboot]/<schematic id>:<version>.
	Factory     bool   `json:"factory"`
	Platform    string `json:"platform,omitempty"` // metal for the legacy form
	SecureBoot  bool   `json:"secureboot,omitempty"`
	Legacy      bool   `json:"legacy,omitempty"` // installer[-secureboot]/ form
	SchematicID string `json:"schematicID,omitempty"`
}

// Version is the Talos version the tag names (may be "latest").
func (r InstallerRef) Version() string { return r.Tag }

var releaseTag = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// IsTalosRelease reports whether v names a Talos release the way installer
// tags do (v1.14.1; not latest, not a pre-release).
func IsTalosRelease(v string) bool { return releaseTag.MatchString(v) }

// TalosBefore reports whether the Talos version v (v1.13.2, 1.13 or
// 1.14.0-beta.0) is older than major.minor; false when v does not parse.
func TalosBefore(v string, major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || ma == major && mi < minor
}

// TalosVersion is the tag when it names a Talos release (v1.14.1), else "".
func (r InstallerRef) TalosVersion() string {
	if IsTalosRelease(r.Tag) {
		return r.Tag
	}
	return ""
}

// ParseInstallerImage parses an installer image reference and recognises
// the factory's forms the way the factory's registry frontend does
// (siderolabs/image-factory v0.8.4 internal/frontend/http/registry.go
// getRequestedImage): the last two path components are <image>/<schematic
// id>, where "installer" and "installer-secureboot" are metal and any
// other image name must end in -installer or -installer-secureboot. Path
// components before them are a mirror's prefix (a pull-through cache such
// as harbor.lan/factory/metal-installer/<id>): the image is still the
// factory's. Anything else (ghcr.io/siderolabs/installer, a custom imager
// build) is returned with Factory false; only a reference that does not
// parse at all is an error.
func ParseInstallerImage(ref string) (InstallerRef, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return InstallerRef{}, fmt.Errorf("empty installer image reference")
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return InstallerRef{}, fmt.Errorf("invalid installer image reference %q: %w", ref, err)
	}
	out := InstallerRef{
		Ref:        ref,
		Registry:   r.Context().RegistryStr(),
		Repository: r.Context().RepositoryStr(),
	}
	// The tag as written: ggcr reads a missing tag as "latest".
	base, _, _ := strings.Cut(ref, "@")
	if _, tag, ok := strings.Cut(base[strings.LastIndex(base, "/")+1:], ":"); ok {
		out.Tag = tag
	}
	if d, ok := r.(name.Digest); ok {
		out.Digest = d.DigestStr()
	}

	parts := strings.Split(out.Repository, "/")
	if len(parts) < 2 {
		return out, nil
	}
	image, id := parts[len(parts)-2], parts[len(parts)-1]
	if ValidateSchematicID(id) != nil {
		return out, nil
	}
	switch {
	case image == "installer":
		out.Platform, out.Legacy = "metal", true
	case image == "installer-secureboot":
		out.Platform, out.Legacy, out.SecureBoot = "metal", true, true
	case strings.HasSuffix(image, "-installer-secureboot"):
		out.Platform, out.SecureBoot = strings.TrimSuffix(image, "-installer-secureboot"), true
	case strings.HasSuffix(image, "-installer"):
		out.Platform = strings.TrimSuffix(image, "-installer")
	default:
		return out, nil
	}
	out.Factory, out.SchematicID = true, id
	return out, nil
}

// InstallerImage is the factory installer reference for a schematic:
// <host>/<platform>-installer[-secureboot]/<id>:<version>, or with
// platform "" the legacy <host>/installer[-secureboot]/<id>:<version>
// (metal, before Talos 1.10's unified installers). host has no scheme,
// e.g. factory.talos.dev. ParseInstallerImage reads it back.
func InstallerImage(host, platform, id, version string, secureBoot bool) string {
	image := "installer"
	if platform != "" {
		image = platform + "-installer"
	}
	if secureBoot {
		image += "-secureboot"
	}
	return host + "/" + image + "/" + id + ":" + version
}
