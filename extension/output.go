package extension

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// refNameAnnotation names an image in an OCI layout (as `crane`, skopeo and
// buildah read it).
const refNameAnnotation = "org.opencontainers.image.ref.name"

// DefaultTag is the reference recorded in layouts and tarballs when the
// caller names none.
func DefaultTag(version string) string { return "tailscale:" + version }

// WriteLayout writes the artifact as an OCI image layout in dir (which must
// not exist or be empty). It is written next to dir and renamed into place,
// so a failure leaves nothing behind.
func WriteLayout(dir string, a *Artifact, tag string) error {
	if err := checkEmptyTarget(dir); err != nil {
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
	if tag == "" {
		tag = DefaultTag(a.Version)
	}
	ann := layout.WithAnnotations(map[string]string{refNameAnnotation: tag})
	if a.Index != nil {
		err = lp.AppendIndex(a.Index, ann)
	} else {
		err = lp.AppendImage(a.single(), ann)
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

func checkEmptyTarget(dir string) error {
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

// WriteTarball writes a single-architecture artifact as an image tarball
// (the `docker save` format that `crane push`, `docker load` and Talos's
// imager read), tagged tag. The file appears only when complete.
func WriteTarball(path string, a *Artifact, tag string) error {
	if a.Index != nil {
		return fmt.Errorf("an image tarball holds one architecture, this build has %v: write an OCI layout directory or push instead", a.Arches())
	}
	if tag == "" {
		tag = DefaultTag(a.Version)
	}
	t, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tag, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tailos-*.tar")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := tarball.Write(t, a.single(), f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Push uploads the artifact to ref with the credentials of the docker config
// (as crane and talosctl do) and returns the pushed reference by digest.
func Push(ctx context.Context, ref string, a *Artifact, opts ...remote.Option) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	return PushRef(ctx, r, a, opts...)
}

// PushRef is Push for a parsed reference (e.g. one parsed with name.Insecure).
func PushRef(ctx context.Context, r name.Reference, a *Artifact, opts ...remote.Option) (string, error) {
	var err error
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts...)
	if a.Index != nil {
		err = remote.WriteIndex(r, a.Index, opts...)
	} else {
		err = remote.Write(r, a.single(), opts...)
	}
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", r, err)
	}
	d, err := a.Digest()
	if err != nil {
		return "", err
	}
	return r.Context().Digest(d.String()).String(), nil
}
