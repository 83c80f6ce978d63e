package schematic

import (
	"fmt"
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
	// <host>/[<platform>-]installer[-secureboot]/<schematic id>:<version>.
	Factory     bool   `json:"factory"`
	Platform    string `json:"platform,omitempty"` // metal for the legacy form
	SecureBoot  bool   `json:"secureboot,omitempty"`
	Legacy      bool   `json:"legacy,omitempty"` // installer[-secureboot]/ form
	SchematicID string `json:"schematicID,omitempty"`
}

// Version is the Talos version the tag names (may be "latest").
func (r InstallerRef) Version() string { return r.Tag }

// ParseInstallerImage parses an installer image reference and recognises
// the factory's forms the way the factory's registry frontend does:
// "installer" and "installer-secureboot" are metal, otherwise the image
// name must end in -installer or -installer-secureboot. Anything else
// (ghcr.io/siderolabs/installer, a custom imager build) is returned with
// Factory false.
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

	image, id, ok := strings.Cut(out.Repository, "/")
	if !ok || strings.Contains(id, "/") || ValidateID(id) != nil {
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
