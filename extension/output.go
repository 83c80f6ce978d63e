package extension

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/tailos/tailos/internal/ocibuild"
)

// DefaultTag is the reference recorded in layouts and tarballs when the
// caller names none.
func DefaultTag(version string) string { return "tailscale:" + version }

// WriteLayout writes the artifact as an OCI image layout in dir (which must
// not exist or be empty); see ocibuild.WriteLayout.
func WriteLayout(dir string, a *Artifact, tag string) error {
	if tag == "" {
		tag = DefaultTag(a.Version)
	}
	return ocibuild.WriteLayout(dir, tag, a.content())
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
	return ocibuild.Push(ctx, r, a.content(), opts...)
}

func (a *Artifact) content() ocibuild.Content {
	if a.Index != nil {
		return ocibuild.Content{Index: a.Index}
	}
	return ocibuild.Content{Image: a.single()}
}
