package schematic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
)

// Install image sources in a Talos machine configuration.
const (
	FieldMachineInstallImage    = "machine.install.image"
	FieldUnattendedInstallImage = "UnattendedInstallConfig.installer.image"
)

// Verdict says whether upgrading to an installer image keeps Tailscale.
type Verdict struct {
	Image  string `json:"image"`
	Source string `json:"source"` // "argument" or the config field it came from
	Safe   bool   `json:"safe"`

	Ref        *imagefactory.InstallerRef `json:"ref,omitempty"`
	ResolvedBy string                     `json:"resolvedBy,omitempty"` // where the schematic was found
	Extensions []string                   `json:"extensions,omitempty"`

	Problem  string   `json:"problem,omitempty"`
	Fix      string   `json:"fix,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

const fixNew = "create a schematic that includes " + tailscaleext.Name +
	" (tailos schematic new --ext " + tailscaleext.Name + "), and use its installer image " +
	"<factory>/<platform>-installer/<id>:<version> for machine.install.image and every talosctl upgrade --image"

// VerifyImage checks one installer image reference. The schematic behind a
// factory image is looked up with each resolver in turn (the local store,
// then the factory when network use is allowed). An error is returned only
// for a reference that does not parse.
func VerifyImage(ctx context.Context, image, source string, resolvers ...Resolver) (Verdict, error) {
	v := Verdict{Image: image, Source: source}
	ref, err := imagefactory.ParseInstallerImage(image)
	if err != nil {
		return v, err
	}
	v.Ref = &ref
	if ref.Tag == "latest" {
		v.Warnings = append(v.Warnings, "tag latest follows each new Talos release: pin the version you mean to run")
	}
	if ref.Tag == "" && ref.Digest == "" {
		v.Warnings = append(v.Warnings, "no tag: the image resolves to latest; pin the Talos version")
	}
	if ref.Factory {
		if _, ok := LookupPlatform(ref.Platform); !ok {
			v.Warnings = append(v.Warnings, fmt.Sprintf("platform %q is not one the factory builds; it will refuse the image", ref.Platform))
		}
		if ref.Tag != "" && ref.Tag != "latest" {
			if _, err := ParseTalosVersion(ref.Tag); err != nil {
				v.Warnings = append(v.Warnings, fmt.Sprintf("tag %q is not a Talos version (e.g. v1.14.1); the factory will refuse the image", ref.Tag))
			}
		}
	}
	if !ref.Factory {
		v.Problem = fmt.Sprintf("%s is not an Image Factory installer: it carries no system extensions, so installing or upgrading with it removes %s", image, tailscaleext.Name)
		if ref.Registry == "ghcr.io" && ref.Repository == "siderolabs/installer" {
			v.Problem += " (ghcr.io/siderolabs/installer is the vanilla installer, and is no longer published from Talos 1.14)"
		}
		v.Fix = fixNew
		return v, nil
	}
	if ref.SchematicID == imagefactory.EmptySchematicID {
		v.Problem = fmt.Sprintf("%s uses the empty schematic (what talosctl upgrade installs without --image): no extensions, so %s is removed", image, tailscaleext.Name)
		v.Fix = fixNew
		return v, nil
	}
	var tried []string
	for _, r := range resolvers {
		s, err := r.Lookup(ctx, ref.SchematicID)
		if errors.Is(err, ErrNotFound) {
			tried = append(tried, r.Name())
			continue
		}
		if err != nil {
			v.Problem = fmt.Sprintf("cannot check schematic %s: %v", ref.SchematicID, err)
			v.Fix = "retry, or check the schematic by hand with tailos schematic get --online " + ref.SchematicID
			return v, nil
		}
		v.ResolvedBy = r.Name()
		v.Extensions = s.Extensions()
		if s.HasExtension(tailscaleext.Name) {
			v.Safe = true
			return v, nil
		}
		v.Problem = fmt.Sprintf("schematic %s does not include %s, so installing or upgrading with %s removes it", ref.SchematicID, tailscaleext.Name, image)
		v.Fix = "add " + tailscaleext.Name + " to the schematic: " + fixNew
		return v, nil
	}
	v.Problem = fmt.Sprintf("schematic %s is unknown here, so its extensions cannot be checked", ref.SchematicID)
	if len(tried) > 0 {
		v.Problem += fmt.Sprintf(" (looked in %s)", joinOr(tried))
	}
	v.Fix = "pass --online to ask the factory, or create the schematic with tailos schematic new/create so it is stored locally"
	return v, nil
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}

// InstallImage is an install image reference found in a machine config.
type InstallImage struct {
	Field string
	Image string
	// Extensions lists machine.install.extensions next to the image:
	// deprecated, and without effect from Talos 1.10.
	Extensions []string
}

// InstallImages extracts the install images from a Talos machine
// configuration (full config or patch, any version machinery v1.14 reads):
// machine.install.image and the 1.14 UnattendedInstallConfig.installer.image.
// It reports whether an UnattendedInstallConfig document is present, since
// an empty installer.image there means "the schematic of the boot media".
func InstallImages(data []byte) (images []InstallImage, unattended bool, err error) {
	if line := talhelperDocument(data); line > 0 {
		return nil, false, fmt.Errorf("line %d: a talhelper talconfig.yaml, not a Talos machine config; verify the configs talhelper generates (clusterconfig/*.yaml) or the installer image itself", line)
	}
	cfg, err := configloader.NewFromBytes(data, configloader.WithNoValidation(), configloader.WithAllowPatchDelete())
	if err != nil {
		return nil, false, err
	}
	// Walk the documents rather than the provider's accessors: an
	// unvalidated container (patches) does not index v1alpha1.Config.
	for _, doc := range cfg.Documents() {
		switch d := doc.(type) {
		case *v1alpha1.Config:
			if d.MachineConfig == nil || d.MachineConfig.MachineInstall == nil {
				continue
			}
			inst := d.MachineConfig.MachineInstall
			var exts []string
			for _, e := range inst.InstallExtensions {
				exts = append(exts, e.ExtensionImage)
			}
			if inst.InstallImage != "" || len(exts) > 0 {
				images = append(images, InstallImage{Field: FieldMachineInstallImage, Image: inst.InstallImage, Extensions: exts})
			}
		case config.UnattendedInstallConfig:
			unattended = true
			if img := d.InstallerImage(); img != "" {
				images = append(images, InstallImage{Field: FieldUnattendedInstallImage, Image: img})
			}
		}
	}
	return images, unattended, nil
}

// VerifyConfig checks every install image of a machine configuration; a
// config that names none is reported unsafe, since talosctl upgrade then
// falls back to the empty-schematic installer.
func VerifyConfig(ctx context.Context, data []byte, resolvers ...Resolver) ([]Verdict, error) {
	images, unattended, err := InstallImages(data)
	if err != nil {
		return nil, err
	}
	var withImage []InstallImage
	var legacy []string
	for _, im := range images {
		legacy = append(legacy, im.Extensions...)
		if im.Image != "" {
			withImage = append(withImage, im)
		}
	}
	images = withImage
	if len(images) == 0 {
		v := Verdict{Source: FieldMachineInstallImage,
			Problem: "the config names no install image, so installs use the vanilla installer and talosctl upgrade without --image installs the empty schematic: " + tailscaleext.Name + " is lost",
			Fix:     "set " + FieldMachineInstallImage + " to the factory installer of a schematic with " + tailscaleext.Name + ": " + fixNew,
		}
		if unattended {
			v.Source = FieldUnattendedInstallImage
			v.Problem = "UnattendedInstallConfig has no installer.image, so the installer follows the schematic of the boot media, which cannot be checked from the config, and talosctl upgrade without --image installs the empty schematic"
			v.Fix = "set " + FieldUnattendedInstallImage + " to the factory installer of a schematic with " + tailscaleext.Name + ": " + fixNew
		}
		v.Warnings = legacyWarning(legacy)
		return []Verdict{v}, nil
	}
	out := make([]Verdict, 0, len(images))
	for _, im := range images {
		v, err := VerifyImage(ctx, im.Image, im.Field, resolvers...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", im.Field, err)
		}
		v.Warnings = append(v.Warnings, legacyWarning(im.Extensions)...)
		out = append(out, v)
	}
	return out, nil
}

// talhelperDocument returns the line of a talhelper talconfig.yaml document
// (top-level clusterName and nodes) in a YAML stream, or 0.
func talhelperDocument(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return 0 // end of stream, or a syntax error configloader reports
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		m := doc.Content[0]
		var cluster, nodes bool
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch m.Content[i].Value {
			case "clusterName":
				cluster = true
			case "nodes":
				nodes = true
			}
		}
		if cluster && nodes {
			return m.Line
		}
	}
}

func legacyWarning(exts []string) []string {
	if len(exts) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("machine.install.extensions (%s) is deprecated and has no effect from Talos 1.10: extensions come only from the installer's schematic", strings.Join(exts, ", "))}
}
