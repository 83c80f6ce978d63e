package ocibuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RefNameAnnotation names an image in an OCI layout (as `crane`, skopeo and
// buildah read it).
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// Content is what a layout or a registry receives: a multi-architecture
// index, or (Index nil) a single image.
type Content struct {
	Index v1.ImageIndex
	Image v1.Image
}

// Digest is the digest a registry will show: the index's, or the image's.
func (c Content) Digest() (v1.Hash, error) {
	if c.Index != nil {
		return c.Index.Digest()
	}
	return c.Image.Digest()
}

// WriteLayout writes c as an OCI image layout in dir (which must not exist
// or be empty), named tag. It is written next to dir and renamed into
// place, so a failure leaves nothing behind.
func WriteLayout(dir, tag string, c Content) error {
	if err := CheckEmptyTarget(dir); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, ".tailos-layout-")
	if err != nil {
		return fmt.Errorf("creating layout: %w", err)
	}
	defer os.RemoveAll(tmp)
	lp, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return fmt.Errorf("creating layout: %w", err)
	}
	ann := layout.WithAnnotations(map[string]string{RefNameAnnotation: tag})
	if c.Index != nil {
		err = lp.AppendIndex(c.Index, ann)
	} else {
		err = lp.AppendImage(c.Image, ann)
	}
	if err != nil {
		return fmt.Errorf("writing layout: %w", err)
	}
	// MkdirTemp makes 0700; a layout is meant to be shared.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	_ = os.Remove(dir) // an empty directory may stand in the way of the rename
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("writing layout: %w", err)
	}
	return nil
}

// CheckEmptyTarget accepts a directory that does not exist or is empty.
func CheckEmptyTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s exists and is not empty; refusing to overwrite", dir)
	}
	return nil
}

// Push uploads c to r with the credentials of the docker config (as crane
// and talosctl do) and returns the pushed reference by digest.
func Push(ctx context.Context, r name.Reference, c Content, opts ...remote.Option) (string, error) {
	var err error
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts...)
	if c.Index != nil {
		err = remote.WriteIndex(r, c.Index, opts...)
	} else {
		err = remote.Write(r, c.Image, opts...)
	}
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", r, err)
	}
	d, err := c.Digest()
	if err != nil {
		return "", err
	}
	return r.Context().Digest(d.String()).String(), nil
}
