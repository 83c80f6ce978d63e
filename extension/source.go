package extension

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"io/fs"
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// LayoutPrefix marks an OCI image layout directory explicitly:
// "oci-layout:./out/tailscale".
const LayoutPrefix = "oci-layout:"

// Pull limits: a registry that stops answering fails the pull instead of
// hanging it (the caller's context bounds the whole transfer).
const (
	dialTimeout     = 30 * time.Second
	responseTimeout = 60 * time.Second
)

// Open finds the linux/arch extension image in a local src: "oci-layout:DIR",
// or a path that exists — an OCI image layout directory or an image tarball
// (docker save / crane pull format). It never goes to the network: a
// registry image is opened with OpenRef, so a mistyped path is an error, not
// a Docker Hub pull.
func Open(ctx context.Context, src, arch string) (v1.Image, error) {
	if err := checkArch(arch); err != nil {
		return nil, err
	}
	if dir, ok := strings.CutPrefix(src, LayoutPrefix); ok {
		return openLayout(dir, arch)
	}
	fi, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no such file or directory (a registry image needs --remote)", src)
	case err != nil:
		return nil, err
	case fi.IsDir():
		return openLayout(src, arch)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file or directory", src)
	}
	img, err := tarball.ImageFromPath(src, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: not an image tarball: %w", src, err)
	}
	if err := checkPlatform(img, arch); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return img, nil
}

// OpenRef pulls the linux/arch image of ref (parse it with name.Insecure for
// a plain-HTTP registry). Connections and responses have timeouts; ctx
// bounds the whole pull, layers included (they are fetched as read).
func OpenRef(ctx context.Context, ref name.Reference, arch string, ropts ...remote.Option) (v1.Image, error) {
	if err := checkArch(arch); err != nil {
		return nil, err
	}
	tr := remote.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = dialTimeout
	tr.ResponseHeaderTimeout = responseTimeout
	opts := append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(tr),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}),
	}, ropts...)
	img, err := remote.Image(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	if err := checkPlatform(img, arch); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return img, nil
}

func openLayout(dir, arch string) (v1.Image, error) {
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: not an OCI image layout: %w", dir, err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	img, err := findImage(idx, arch, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return img, nil
}

// findImage walks an index (and nested indexes) for the linux/arch image;
// an image without a platform in its descriptor is matched by its config.
func findImage(idx v1.ImageIndex, arch string, depth int) (v1.Image, error) {
	if depth > 4 {
		return nil, errors.New("image indexes nested too deeply")
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			if img, err := findImage(child, arch, depth+1); err == nil {
				return img, nil
			}
		case d.MediaType.IsImage():
			if d.Platform != nil && (d.Platform.OS != "linux" || d.Platform.Architecture != arch) {
				continue
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, err
			}
			if checkPlatform(img, arch) == nil {
				return img, nil
			}
		}
	}
	return nil, fmt.Errorf("no linux/%s image", arch)
}

func checkPlatform(img v1.Image, arch string) error {
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading image config: %w", err)
	}
	// Extension images carry no executables for the host to run, so some
	// builders leave the platform empty; only a stated mismatch is an error.
	if cf.Architecture != "" && cf.Architecture != arch {
		return fmt.Errorf("image is for %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
	}
	return nil
}

// Unpack extracts the linux/arch extension image from a local src (see Open) into
// dest, which must not exist yet or be empty: manifest.yaml and rootfs/, as
// Talos sees them on a node.
func Unpack(ctx context.Context, src, arch, dest string) error {
	img, err := Open(ctx, src, arch)
	if err != nil {
		return err
	}
	return UnpackImage(img, dest)
}

// Unpack limits: far above a Tailscale extension (about 100 MiB in a few
// dozen files), far below what a compression bomb would write.
const (
	MaxUnpackBytes   = 1 << 30
	MaxUnpackEntries = 100_000
)

// UnpackImage extracts img's flattened filesystem into dest. Entries are
// confined to dest, symlinks are created last so no entry is written
// through one, special files are refused as Talos refuses them, and the
// total size and entry count are capped (MaxUnpackBytes, MaxUnpackEntries).
func UnpackImage(img v1.Image, dest string) error {
	return unpackImage(img, dest, MaxUnpackBytes)
}

func unpackImage(img v1.Image, dest string, maxBytes int64) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dest, err)
	}
	if entries, err := os.ReadDir(dest); err != nil {
		return fmt.Errorf("reading %s: %w", dest, err)
	} else if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dest)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	type link struct{ name, target string }
	var links []link
	tr := tar.NewReader(rc)
	var total int64
	for entries := 0; ; entries++ {
		if entries > MaxUnpackEntries {
			return fmt.Errorf("image has more than %d entries", MaxUnpackEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// Extract writes the tar footer before it reports a failure
			// (such as an unsafe path) through the pipe: read on to see it.
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return fmt.Errorf("reading image layers: %w", err)
			}
			break
		}
		if err != nil {
			return fmt.Errorf("reading image layers: %w", err)
		}
		rel := filepath.Clean(filepath.FromSlash(strings.TrimPrefix(h.Name, "/")))
		if rel == "." {
			continue
		}
		if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("image entry %q escapes the extension root", h.Name)
		}
		target := filepath.Join(dest, rel)
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("creating %s: %w", h.Name, err)
			}
			if err := os.Chmod(target, mode); err != nil {
				return fmt.Errorf("chmod %s: %w", h.Name, err)
			}
		case tar.TypeReg:
			total += h.Size
			if h.Size < 0 || total > maxBytes {
				return fmt.Errorf("image unpacks to more than %d MiB (a compression bomb?)", maxBytes>>20)
			}
			if err := writeEntry(target, io.LimitReader(tr, h.Size), mode); err != nil {
				return fmt.Errorf("extracting %s: %w", h.Name, err)
			}
		case tar.TypeSymlink:
			links = append(links, link{target, h.Linkname})
		default:
			return fmt.Errorf("special files are not allowed: %q (tar type %q)", "/"+filepath.ToSlash(rel), h.Typeflag)
		}
	}
	for _, l := range links {
		if err := os.MkdirAll(filepath.Dir(l.name), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(l.target, l.name); err != nil {
			return fmt.Errorf("creating symlink: %w", err)
		}
	}
	return nil
}

func writeEntry(path string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Chmod after writing so the umask does not hide world-writable bits
	// that the validator must see.
	return os.Chmod(path, mode)
}
