package spec

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/tailos/tailos/schematic"
)

// Extension sources: where the nodes' Tailscale system extension comes from.
const (
	// ExtensionOfficial is siderolabs/tailscale from the Image Factory.
	ExtensionOfficial = "official"
	// ExtensionTailos is the image `tailos extension build` makes, the one
	// with the MSS clamp. The factory cannot serve it, so the nodes install
	// from an installer Talos's imager built with it.
	ExtensionTailos = "tailos"
)

// Extension is tailnet.extension: which Tailscale extension the nodes run.
type Extension struct {
	// Source is official (the default) or tailos.
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// Image is the tailos-built extension's reference, pinned by digest, as
	// `tailos extension build --push` printed it (tailos only).
	Image string `yaml:"image,omitempty" json:"image,omitempty"`
	// Installer is the installer the imager built with Image: every node's
	// install image and `talosctl upgrade --image` for its whole life
	// (tailos only).
	Installer string `yaml:"installer,omitempty" json:"installer,omitempty"`
}

// TailosExtension reports whether the nodes run the tailos-built extension.
func (s *Spec) TailosExtension() bool { return s.Tailnet.Extension.Source == ExtensionTailos }

func (v *validator) extension(e Extension) {
	switch e.Source {
	case "", ExtensionOfficial:
		for _, f := range []struct{ key, val string }{{"image", e.Image}, {"installer", e.Installer}} {
			if f.val != "" {
				v.add("is set, but the official extension comes from the Image Factory: set source: tailos to install a tailos-built image", "tailnet", "extension", f.key)
			}
		}
		return
	case ExtensionTailos:
	default:
		v.add(fmt.Sprintf("unknown source %q (want official or tailos)", e.Source), "tailnet", "extension", "source")
		return
	}
	if e.Image == "" {
		v.add("is required with source: tailos: the reference `tailos extension build --push` printed", "tailnet", "extension", "image")
	} else if ref, err := name.ParseReference(e.Image); err != nil {
		v.add(fmt.Sprintf("%q is not an image reference: %v", e.Image, err), "tailnet", "extension", "image")
	} else if _, ok := ref.(name.Digest); !ok {
		v.warn(fmt.Sprintf("%s is not pinned by digest: the imager takes whatever the tag names when it runs; add @sha256:… as `tailos extension build --push` printed it", e.Image), "tailnet", "extension", "image")
	}
	switch {
	case e.Installer == "":
		v.add("is required with source: tailos: the installer image Talos's imager built with the extension (see docs/extension.md)", "tailnet", "extension", "installer")
	default:
		if _, err := name.ParseReference(e.Installer); err != nil {
			v.add(fmt.Sprintf("%q is not an image reference: %v", e.Installer, err), "tailnet", "extension", "installer")
		} else if r, err := schematic.ParseInstallerImage(e.Installer); err == nil && r.Factory {
			v.add(fmt.Sprintf("%s is an Image Factory installer, which carries only official extensions: give the installer the imager built with the tailos extension", e.Installer), "tailnet", "extension", "installer")
		}
	}
}
