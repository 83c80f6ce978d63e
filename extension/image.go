package extension

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/tailos/tailos/internal/ocibuild"
)

// BuildOptions describe one extension image.
type BuildOptions struct {
	// Version of tailscale.com, e.g. "1.96.5".
	Version string
	// Arches to build; empty means amd64. Several give a multi-arch index.
	Arches []string
	// TalosCompat is the manifest's Talos version constraint; empty means DefaultTalosCompat.
	TalosCompat string
	// BinariesDir, when set, supplies prebuilt binaries instead of building
	// them: BinariesDir/<arch>/{containerboot,tailscaled,tailscale}, or, for a
	// single arch, the three files directly in BinariesDir. A tailos-mssclamp
	// beside them is used too; without one the clamp is built.
	BinariesDir string
	// Binaries configures building them when BinariesDir is empty (cache, go).
	Binaries BinariesOptions
	// TalosVersion is the Talos release the image is validated against; empty
	// means the release of the machinery library tailos is built with.
	TalosVersion string
	// CompressionLevel is the layer's gzip level, 1 (fastest) to 9
	// (smallest); 0 means DefaultCompressionLevel. It is part of the digest.
	CompressionLevel int
}

// DefaultCompressionLevel is the extension layer's gzip level, chosen by
// BenchmarkBuild on the 1.96.5 amd64 image: level 6 takes 3.3 CPU-seconds
// per build against level 9's 9.1 for 0.4 % more bytes (25.64 against
// 25.55 MiB); lower levels grow the image faster than they save time
// (docs/extension.md).
const DefaultCompressionLevel = 6

// Artifact is a built extension: one image per architecture and, when there
// is more than one, the index that ties them together.
type Artifact struct {
	Version string
	Images  map[string]v1.Image // by GOARCH
	Index   v1.ImageIndex       // nil for a single architecture
}

// Arches returns the artifact's architectures, sorted.
func (a *Artifact) Arches() []string {
	out := make([]string, 0, len(a.Images))
	for arch := range a.Images {
		out = append(out, arch)
	}
	sort.Strings(out)
	return out
}

// Digest is the digest a registry will show: the index's, or the single image's.
func (a *Artifact) Digest() (v1.Hash, error) {
	if a.Index != nil {
		return a.Index.Digest()
	}
	return a.single().Digest()
}

func (a *Artifact) single() v1.Image {
	for _, img := range a.Images {
		return img
	}
	return nil
}

// Build assembles and validates the extension image for every requested
// architecture. Each image is unpacked and checked with Talos's extension
// loader and validators before it is returned.
func Build(ctx context.Context, opts BuildOptions) (*Artifact, error) {
	version, err := NormalizeVersion(opts.Version)
	if err != nil {
		return nil, err
	}
	arches, err := normalizeArches(opts.Arches)
	if err != nil {
		return nil, err
	}
	m := NewManifest(ManifestOptions{Version: version, TalosCompat: opts.TalosCompat})
	// Check the compatibility range now, not after minutes of compiling.
	if err := checkConstraint(m, opts.TalosVersion); err != nil {
		return nil, err
	}
	manifest, err := MarshalManifest(m)
	if err != nil {
		return nil, err
	}
	spec, err := MarshalSpec(NewSpec())
	if err != nil {
		return nil, err
	}
	art := &Artifact{Version: version, Images: map[string]v1.Image{}}
	for _, arch := range arches {
		binDir, err := binariesFor(ctx, opts, version, arch, len(arches) == 1)
		if err != nil {
			return nil, err
		}
		clampDir, err := clampFor(ctx, opts, binDir, arch)
		if err != nil {
			return nil, err
		}
		img, err := buildImage(manifest, spec, binDir, clampDir, version, arch, opts.CompressionLevel)
		if err != nil {
			return nil, fmt.Errorf("linux/%s: %w", arch, err)
		}
		if err := validateImage(img, opts.TalosVersion); err != nil {
			return nil, fmt.Errorf("linux/%s: built image fails validation: %w", arch, err)
		}
		art.Images[arch] = img
	}
	if len(arches) > 1 {
		art.Index = ocibuild.Index("linux", art.Images)
	}
	return art, nil
}

func normalizeArches(in []string) ([]string, error) {
	if len(in) == 0 {
		return []string{"amd64"}, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range in {
		if err := checkArch(a); err != nil {
			return nil, err
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out, nil
}

func binariesFor(ctx context.Context, opts BuildOptions, version, arch string, single bool) (string, error) {
	if opts.BinariesDir == "" {
		bo := opts.Binaries
		bo.Version, bo.Arch = version, arch
		return BuildBinaries(ctx, bo)
	}
	dir := filepath.Join(opts.BinariesDir, arch)
	if _, err := os.Stat(filepath.Join(dir, Binaries[0])); err != nil {
		if !single {
			return "", fmt.Errorf("--binaries %s: no %s/%s (several architectures need one subdirectory each)", opts.BinariesDir, arch, Binaries[0])
		}
		dir = opts.BinariesDir
	}
	if err := CheckBinaries(dir, arch); err != nil {
		return "", fmt.Errorf("--binaries: %w", err)
	}
	return dir, nil
}

// clampFor is binDir when it holds a clamp (given with BinariesDir), else
// the cached build.
func clampFor(ctx context.Context, opts BuildOptions, binDir, arch string) (string, error) {
	if opts.BinariesDir != "" {
		p := filepath.Join(binDir, ClampBinary)
		if _, err := os.Stat(p); err == nil {
			if err := checkELF(p, elfMachine[arch]); err != nil {
				return "", fmt.Errorf("--binaries: %w", err)
			}
			return binDir, nil
		}
	}
	bo := opts.Binaries
	bo.Arch = arch
	return BuildClamp(ctx, bo)
}

func buildImage(manifest, spec []byte, binDir, clampDir, version, arch string, level int) (v1.Image, error) {
	if level == 0 {
		level = DefaultCompressionLevel
	}
	files, err := layerFiles(manifest, spec, binDir, clampDir)
	if err != nil {
		return nil, err
	}
	return ocibuild.ImageLevel(files, "linux", arch, v1.Config{Labels: map[string]string{
		"org.opencontainers.image.title":   ServiceName,
		"org.opencontainers.image.version": version,
		"org.opencontainers.image.source":  "https://github.com/tailscale/tailscale",
	}}, level)
}
