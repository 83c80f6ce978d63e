package ocibuild

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image returns an OCI image of one layer holding files (parents added),
// for os/arch, with config cfg, created at Epoch and without history; the
// layer is gzip-compressed at gzip.BestCompression.
func Image(files []File, os, arch string, cfg v1.Config) (v1.Image, error) {
	return ImageLevel(files, os, arch, cfg, gzip.BestCompression)
}

// ImageLevel is Image with the layer compressed at a gzip level
// (gzip.BestSpeed to gzip.BestCompression). The same files, level and Go
// toolchain always give the same digest.
func ImageLevel(files []File, os, arch string, cfg v1.Config, level int) (v1.Image, error) {
	if level < gzip.BestSpeed || level > gzip.BestCompression {
		return nil, fmt.Errorf("gzip level %d: want %d to %d", level, gzip.BestSpeed, gzip.BestCompression)
	}
	raw, err := TarBytes(WithParents(files))
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(
		func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithCompressionLevel(level),
		tarball.WithMediaType(types.OCILayer),
		tarball.WithCompressedCaching,
	)
	if err != nil {
		return nil, fmt.Errorf("creating layer: %w", err)
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
	if err != nil {
		return nil, fmt.Errorf("adding layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = arch, os
	cf.Created = v1.Time{Time: Epoch}
	cf.History = nil
	cf.Config = cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("writing config: %w", err)
	}
	return img, nil
}

// Index ties per-architecture images of one OS into an OCI index, in
// architecture order so the digest does not depend on map iteration.
func Index(os string, images map[string]v1.Image) v1.ImageIndex {
	arches := make([]string, 0, len(images))
	for a := range images {
		arches = append(arches, a)
	}
	sort.Strings(arches)
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range arches {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        images[arch],
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: os, Architecture: arch}},
		})
	}
	return idx
}
