package schematic

import (
	"slices"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/imager/quirks"
	"github.com/siderolabs/talos/pkg/machinery/platforms"

	"github.com/tailos/tailos/facts/imagefactory"
)

// Asset kinds.
const (
	KindInstaller = "installer"
	KindISO       = "iso"
	KindDiskImage = "disk-image"
	KindKernel    = "kernel"
	KindInitramfs = "initramfs"
	KindCmdline   = "cmdline"
	KindPXE       = "pxe"
	KindUKI       = "uki"
)

// Asset is one downloadable artefact of a schematic: Name is its path on the
// factory (or the image reference for the installer), URL where to get it.
type Asset struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// InstallerImage returns the installer image reference for a schematic, in
// the form the factory itself shows for that Talos version:
// <host>/<platform>-installer[-secureboot]/<id>:<version> from Talos 1.10
// (the unified installer), <host>/installer[-secureboot]/<id>:<version>
// before. Image references carry the factory host without a scheme.
func InstallerImage(t Target, id string) (string, error) {
	r, err := t.resolve()
	if err != nil {
		return "", err
	}
	if err := imagefactory.ValidateSchematicID(id); err != nil {
		return "", err
	}
	return r.installer(id), nil
}

func (r *resolved) installer(id string) string {
	platform := "" // the legacy metal installer
	if quirks.New(r.version).SupportsUnifiedInstaller() {
		platform = r.platform.Name
	}
	return imagefactory.InstallerImage(r.factory.Host, platform, id, r.version, r.sb)
}

// Assets lists every asset of the schematic for the target, as the factory
// UI does: the installer, then each boot method the platform supports in
// the platform's order (disk image, ISO, iPXE script), and for platforms
// that network-boot the kernel, initramfs, kernel command line and UKI.
// Disk images use the platform's compression, xz instead of zstd before
// Talos 1.8.
func Assets(t Target, id string) ([]Asset, error) {
	r, err := t.resolve()
	if err != nil {
		return nil, err
	}
	if err := imagefactory.ValidateSchematicID(id); err != nil {
		return nil, err
	}
	p, arch, q := r.platform, r.arch, quirks.New(r.version)
	image := func(kind, path string) Asset {
		return Asset{Kind: kind, Name: path, URL: r.factory.JoinPath("image", id, r.version, path).String()}
	}
	installer := r.installer(id)
	out := []Asset{{Kind: KindInstaller, Name: installer, URL: installer}}
	if r.overlay {
		// The factory UI offers a board image only, named as machinery's
		// SBC table names it.
		var sbc platforms.SBC
		return append(out, image(KindDiskImage, sbc.DiskImagePath(r.version))), nil
	}
	for _, m := range p.BootMethods {
		switch m {
		case platforms.BootMethodDiskImage:
			suffix := p.DiskImageSuffix
			if !q.UseZSTDCompression() {
				suffix = strings.Replace(suffix, ".zst", ".xz", 1)
			}
			if r.sb {
				out = append(out, image(KindDiskImage, p.SecureBootDiskImagePath(arch, suffix)))
				continue
			}
			out = append(out, image(KindDiskImage, p.DiskImagePath(arch, suffix)))
			if p.Name == platforms.MetalPlatform().Name {
				// The factory UI offers metal as qcow2 too, for hypervisors.
				out = append(out, image(KindDiskImage, p.DiskImagePath(arch, "qcow2")))
			}
		case platforms.BootMethodISO:
			if r.sb {
				out = append(out, image(KindISO, p.SecureBootISOPath(arch)))
			} else {
				out = append(out, image(KindISO, p.ISOPath(arch)))
			}
		case platforms.BootMethodPXE:
			path := p.PXEScriptPath(arch)
			if r.sb {
				path = p.SecureBootPXEScriptPath(arch)
			}
			out = append(out, Asset{Kind: KindPXE, Name: path, URL: r.pxe.JoinPath("pxe", id, r.version, path).String()})
		}
	}
	if slices.Contains(p.BootMethods, platforms.BootMethodPXE) {
		if r.sb {
			// Secure boot network boot loads the signed UKI (secureboot.ipxe).
			out = append(out, image(KindUKI, p.SecureBootUKIPath(arch)))
		} else {
			out = append(out,
				image(KindKernel, p.KernelPath(arch)),
				image(KindInitramfs, p.InitramfsPath(arch)),
				image(KindCmdline, p.CmdlinePath(arch)),
			)
			if q.SupportsUKI() {
				out = append(out, image(KindUKI, p.UKIPath(arch)))
			}
		}
	}
	return out, nil
}
