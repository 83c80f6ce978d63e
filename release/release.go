package release

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/tailos/tailos/internal/ocibuild"
)

// ImageDir is the OCI image layout inside a release directory.
const ImageDir = "image"

// Result is a finished release.
type Result struct {
	Version string
	Dir     string
	// Archives and SBOMs are file names in Dir, in target order.
	Archives []string
	SBOMs    []string
	// Checksums are the SHA-256 (hex) of every archive and SBOM by name, as
	// listed in SHA256SUMS.
	Checksums map[string]string
	// Image is the OCI index in Dir/image (nil with NoImage).
	Image       v1.ImageIndex
	ImageDigest string
}

// ImageTag is the reference recorded in the image layout.
func ImageTag(version string) string { return ImageName + ":" + version }

// Build builds the release described by opts into opts.Out. Nothing appears
// at opts.Out unless every part was built.
func Build(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	if err := ocibuild.CheckEmptyTarget(opts.Out); err != nil {
		return nil, err
	}
	readme, err := os.ReadFile(filepath.Join(opts.Source, "README.md"))
	if err != nil {
		return nil, fmt.Errorf("release source: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(opts.Out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, ".tailos-release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bins, err := os.MkdirTemp(parent, ".tailos-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(bins)

	res := &Result{Version: opts.Version, Dir: opts.Out}
	linux := map[string][]byte{}
	for _, t := range opts.Targets {
		opts.Progress("building %s", t)
		bin := filepath.Join(bins, t.OS+"_"+t.Arch)
		if err := buildBinary(ctx, opts, t, bin); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		base := archiveBase(opts.Version, t)
		archive := base + ".tar.gz"
		if err := writeArchive(filepath.Join(tmp, archive), base, data, readme); err != nil {
			return nil, err
		}
		sbom, err := SBOM(bin, opts.Version, t)
		if err != nil {
			return nil, err
		}
		sbomName := base + ".cdx.json"
		if err := writeSBOM(filepath.Join(tmp, sbomName), sbom); err != nil {
			return nil, err
		}
		res.Archives = append(res.Archives, archive)
		res.SBOMs = append(res.SBOMs, sbomName)
		if t.OS == "linux" {
			linux[t.Arch] = data
		}
	}
	if res.Checksums, err = writeChecksums(tmp, append(append([]string(nil), res.Archives...), res.SBOMs...)); err != nil {
		return nil, err
	}
	if !opts.NoImage {
		if len(linux) == 0 {
			return nil, fmt.Errorf("the image needs a linux target (or set NoImage)")
		}
		opts.Progress("assembling the image")
		ca := caBundle()
		images := map[string]v1.Image{}
		for arch, data := range linux {
			img, err := buildImage(data, ca, opts.Version, arch)
			if err != nil {
				return nil, err
			}
			images[arch] = img
		}
		res.Image = ocibuild.Index("linux", images)
		d, err := res.Image.Digest()
		if err != nil {
			return nil, err
		}
		res.ImageDigest = d.String()
		if err := ocibuild.WriteLayout(filepath.Join(tmp, ImageDir), ImageTag(opts.Version), ocibuild.Content{Index: res.Image}); err != nil {
			return nil, err
		}
	}
	// MkdirTemp makes 0700; a release is meant to be shared.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(opts.Out) // an empty directory may stand in the way of the rename
	if err := os.Rename(tmp, opts.Out); err != nil {
		return nil, fmt.Errorf("writing %s: %w", opts.Out, err)
	}
	return res, nil
}

// Push uploads the release's image index to ref (credentials from the
// docker config) and returns the reference by digest.
func Push(ctx context.Context, ref name.Reference, res *Result) (string, error) {
	if res.Image == nil {
		return "", fmt.Errorf("the release was built without an image")
	}
	return ocibuild.Push(ctx, ref, ocibuild.Content{Index: res.Image})
}
