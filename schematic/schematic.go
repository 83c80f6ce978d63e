package schematic

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/siderolabs/talos/pkg/machinery/imager/imageropts"
	"gopkg.in/yaml.v3"
)

// Schematic is the Image Factory's schematic. Field order and tags are part
// of the ID: they follow the factory's pkg/schematic struct exactly (owner,
// overlay, customization; inside customization embeddedMachineConfiguration,
// extraKernelArgs, meta, systemExtensions, bootloader, secureboot, diskImage).
type Schematic struct {
	// Owner is set by Omni/enterprise factories from the authenticated user;
	// the public factory rejects a non-empty owner.
	Owner         string        `yaml:"owner,omitempty" json:"owner,omitempty"`
	Overlay       Overlay       `yaml:"overlay,omitempty" json:"overlay,omitzero"`
	Customization Customization `yaml:"customization" json:"customization"`
}

// Customization is the Talos image customization.
//
//nolint:govet // field order is part of the canonical encoding.
type Customization struct {
	EmbeddedMachineConfiguration string                    `yaml:"embeddedMachineConfiguration,omitempty" json:"embeddedMachineConfiguration,omitempty"`
	ExtraKernelArgs              []string                  `yaml:"extraKernelArgs,omitempty" json:"extraKernelArgs,omitempty"`
	Meta                         []MetaValue               `yaml:"meta,omitempty" json:"meta,omitempty"`
	SystemExtensions             SystemExtensions          `yaml:"systemExtensions,omitempty" json:"systemExtensions,omitzero"`
	Bootloader                   imageropts.BootloaderKind `yaml:"bootloader,omitempty" json:"bootloader,omitzero"`
	SecureBoot                   SecureBootCustomization   `yaml:"secureboot,omitempty" json:"secureboot,omitzero"`
	DiskImage                    DiskImageCustomization    `yaml:"diskImage,omitempty" json:"diskImage,omitzero"`
}

// MetaValue is one initial META entry of the image.
type MetaValue struct {
	Key   uint8  `yaml:"key" json:"key"`
	Value string `yaml:"value" json:"value"`
}

// SystemExtensions lists the official extensions to install; the factory
// picks the version each Talos release ships.
type SystemExtensions struct {
	OfficialExtensions []string `yaml:"officialExtensions,omitempty" json:"officialExtensions,omitempty"`
}

// Overlay selects a board overlay (SBCs), Talos ≥ 1.7.
type Overlay struct {
	Image   string         `yaml:"image" json:"image"`
	Name    string         `yaml:"name" json:"name"`
	Options map[string]any `yaml:"options,omitempty" json:"options,omitempty"`
}

// SecureBootCustomization holds the secure boot options.
type SecureBootCustomization struct {
	// EnrollKeys is off, manual, if-safe or force (factory default if-safe).
	EnrollKeys                   string `yaml:"enrollKeys,omitempty" json:"enrollKeys,omitempty"`
	IncludeWellKnownCertificates bool   `yaml:"includeWellKnownCertificates,omitempty" json:"includeWellKnownCertificates,omitempty"`
}

// DiskImageCustomization holds disk image options.
type DiskImageCustomization struct {
	// SectorSize of the disk image; the factory defaults to 512.
	SectorSize uint `yaml:"sectorSize,omitempty" json:"sectorSize,omitempty"`
}

// New returns a schematic with these official extensions and kernel
// arguments, in the order given: order is part of the ID.
func New(extensions, kernelArgs []string) *Schematic {
	return &Schematic{Customization: Customization{
		ExtraKernelArgs:  slices.Clone(kernelArgs),
		SystemExtensions: SystemExtensions{OfficialExtensions: slices.Clone(extensions)},
	}}
}

// Marshal returns the canonical bytes the factory hashes and stores:
// yaml.v3 Marshal (4-space indent, non-compact sequences, no line wrapping).
// The factory's published package uses yaml.v3; later factories moved to
// go.yaml.in/yaml/v4 with v3 defaults, which rc.3 and rc.4 match byte for
// byte. rc.6 single-quotes YAML 1.1 booleans ('yes', 'on') where v3 writes
// "yes", which would change IDs, so yaml.v3 stays the reference.
func (s *Schematic) Marshal() ([]byte, error) {
	data, err := yaml.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding schematic: %w", err)
	}
	return data, nil
}

// ID returns the schematic ID: hex SHA-256 of the canonical bytes.
func (s *Schematic) ID() (string, error) {
	data, err := s.Marshal()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Extensions returns the official extensions in order.
func (s *Schematic) Extensions() []string {
	return s.Customization.SystemExtensions.OfficialExtensions
}

// HasExtension reports whether the schematic installs the named extension.
func (s *Schematic) HasExtension(name string) bool {
	return slices.Contains(s.Extensions(), name)
}
