package extension

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func buildFrom(t testing.TB, binDir string, arches ...string) *Artifact {
	t.Helper()
	a, err := Build(context.Background(), BuildOptions{Version: testVersion, Arches: arches, BinariesDir: binDir})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return a
}

// TestBuildReproducible builds the same inputs twice, the second time from a
// copy of the binaries elsewhere with other mtimes and modes, and expects
// the same digest; the layer must carry no host facts.
func TestBuildReproducible(t *testing.T) {
	bin := realBinaries(t, "amd64")
	a1 := buildFrom(t, bin, "amd64")

	other := t.TempDir()
	for _, b := range Binaries {
		data, err := os.ReadFile(filepath.Join(bin, b))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, other, b, string(data), 0o700)
	}
	a2 := buildFrom(t, other, "amd64")
	d1, _ := a1.Digest()
	d2, _ := a2.Digest()
	if d1 != d2 {
		t.Fatalf("same inputs, different digests: %s vs %s", d1, d2)
	}

	layers, err := a1.Images["amd64"].Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	prev := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(Epoch) {
			t.Errorf("%s: owner %d:%d %q:%q mtime %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
		if h.Name <= prev {
			t.Errorf("entries out of order: %s after %s", h.Name, prev)
		}
		prev = h.Name
		if h.Typeflag == tar.TypeReg && strings.Contains(h.Name, "/bin/") && h.Mode != 0o755 {
			t.Errorf("%s: mode %o, want 755", h.Name, h.Mode)
		}
	}
}

// TestPushPullMultiArch pushes a two-architecture build to a real in-process
// registry, pulls each architecture back by reference, and checks the
// unpacked extension validates and carries the very binaries that went in.
// arm64 carries stand-in binaries (standInBinaries): the test is about the
// index, the registry and the layers, not about Tailscale's arm64 bytes.
func TestPushPullMultiArch(t *testing.T) {
	bins := t.TempDir()
	for arch, dir := range map[string]string{"amd64": realBinaries(t, "amd64"), "arm64": standInBinaries(t, "arm64")} {
		if err := os.Symlink(dir, filepath.Join(bins, arch)); err != nil {
			t.Fatal(err)
		}
	}
	a := buildFrom(t, bins, "arm64", "amd64")
	if a.Index == nil || len(a.Images) != 2 {
		t.Fatalf("want an index over two images, got %v", a.Arches())
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref := u.Host + "/siderolabs/tailscale:" + testVersion

	ctx := context.Background()
	pushed, err := Push(ctx, ref, a)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	want, _ := a.Digest()
	if !strings.HasSuffix(pushed, "@"+want.String()) {
		t.Errorf("Push returned %s, want digest %s", pushed, want)
	}
	idx, err := remote.Index(mustRef(t, ref))
	if err != nil {
		t.Fatalf("pulling the index: %v", err)
	}
	if got, _ := idx.Digest(); got != want {
		t.Errorf("registry index digest %s, want %s", got, want)
	}

	for _, arch := range Arches {
		dest := filepath.Join(t.TempDir(), "ext")
		img, err := OpenRef(ctx, mustRef(t, ref), arch)
		if err != nil {
			t.Fatalf("OpenRef %s: %v", arch, err)
		}
		if err := UnpackImage(img, dest); err != nil {
			t.Fatalf("Unpack %s: %v", arch, err)
		}
		if _, err := Validate(dest, ""); err != nil {
			t.Errorf("%s: pulled extension fails validation: %v", arch, err)
		}
		for _, b := range Binaries {
			got := fileSHA(t, filepath.Join(dest, ContainersDir, "tailscale/usr/local/bin", b))
			if want := fileSHA(t, filepath.Join(bins, arch, b)); got != want {
				t.Errorf("%s/%s: pulled sha256 %s, built %s", arch, b, got, want)
			}
		}
		if err := CheckBinaries(filepath.Join(dest, ContainersDir, "tailscale/usr/local/bin"), arch); err != nil {
			t.Errorf("%s: %v", arch, err)
		}
	}
}

// TestInspect inspects a pushed image by reference and a layout on disk.
func TestInspect(t *testing.T) {
	a := buildFrom(t, realBinaries(t, "amd64"), "amd64")
	dir := filepath.Join(t.TempDir(), "oci")
	if err := WriteLayout(dir, a, ""); err != nil {
		t.Fatal(err)
	}
	rep, err := Inspect(context.Background(), dir, "amd64", "")
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if rep.Invalid != "" {
		t.Errorf("valid image reported invalid: %s", rep.Invalid)
	}
	if d, _ := a.Digest(); rep.Digest != d.String() {
		t.Errorf("digest %s, want %s", rep.Digest, d)
	}
	if rep.Manifest.Metadata.Version != testVersion || rep.Specs["tailscale"] == nil {
		t.Errorf("manifest/spec: %+v", rep)
	}
	if len(rep.Binaries) != 4 {
		t.Fatalf("binaries: %+v", rep.Binaries)
	}
	for _, b := range rep.Binaries {
		name := filepath.Base(b.Path)
		if name == ClampBinary {
			if !b.Static || b.Package != "github.com/tailos/tailos/extension/mssclamp/cmd/"+ClampBinary || b.Tailscale != "" {
				t.Errorf("%s: %+v", b.Path, b)
			}
			continue
		}
		if b.Tailscale != "v"+testVersion || !b.Static || b.Package != "tailscale.com/cmd/"+name {
			t.Errorf("%s: %+v", b.Path, b)
		}
		if b.SHA256 != fileSHA(t, filepath.Join(realBinaries(t, "amd64"), name)) {
			t.Errorf("%s: sha256 %s differs from the built binary", b.Path, b.SHA256)
		}
	}
	if rep.Size <= 0 {
		t.Errorf("size %d", rep.Size)
	}
}

// TestWriteLayoutAndTarball round-trips through both on-disk forms.
func TestWriteLayoutAndTarball(t *testing.T) {
	a := buildFrom(t, realBinaries(t, "amd64"), "amd64")
	want, _ := a.Digest()
	tmp := t.TempDir()

	tarPath := filepath.Join(tmp, "tailscale.tar")
	if err := WriteTarball(tarPath, a, ""); err != nil {
		t.Fatalf("WriteTarball: %v", err)
	}
	img, err := Open(context.Background(), tarPath, "amd64")
	if err != nil {
		t.Fatalf("Open tarball: %v", err)
	}
	// A docker tarball keeps the config and layers, not the OCI manifest.
	if got, want := mustConfigName(t, img), mustConfigName(t, a.Images["amd64"]); got != want {
		t.Errorf("tarball config %s, want %s", got, want)
	}
	if got, want := mustLayerDigests(t, img), mustLayerDigests(t, a.Images["amd64"]); got != want {
		t.Errorf("tarball layers %s, want %s", got, want)
	}
	if _, err := Open(context.Background(), tarPath, "arm64"); err == nil {
		t.Errorf("an amd64 tarball opened as arm64")
	}

	dir := filepath.Join(tmp, "layout")
	if err := WriteLayout(dir, a, "example.com/tailscale:1"); err != nil {
		t.Fatalf("WriteLayout: %v", err)
	}
	img, err = Open(context.Background(), dir, "amd64")
	if err != nil {
		t.Fatalf("Open layout: %v", err)
	}
	if got, _ := img.Digest(); got != want {
		t.Errorf("layout image digest %s, want %s", got, want)
	}
	// A second write must not touch the existing layout.
	before := fileSHA(t, filepath.Join(dir, "index.json"))
	if err := WriteLayout(dir, a, "other"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("WriteLayout over a layout: %v", err)
	}
	if fileSHA(t, filepath.Join(dir, "index.json")) != before {
		t.Errorf("refused write still changed the layout")
	}
	leftovers, _ := filepath.Glob(filepath.Join(tmp, ".tailos-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestWriteTarballRefusesMultiArch(t *testing.T) {
	a := &Artifact{Version: testVersion, Images: map[string]v1.Image{"amd64": empty.Image, "arm64": empty.Image}, Index: empty.Index}
	path := filepath.Join(t.TempDir(), "x.tar")
	if err := WriteTarball(path, a, ""); err == nil {
		t.Fatal("multi-arch tarball accepted")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("refused tarball left a file: %v", err)
	}
}

// TestBinariesDirChecks feeds Build binaries that would fail only on a node.
func TestBinariesDirChecks(t *testing.T) {
	amd := realBinaries(t, "amd64")
	dynamic := t.TempDir()
	for _, b := range Binaries {
		// The host's own dynamically linked programs: real ELF, wrong linking.
		data, err := os.ReadFile("/bin/true")
		if err != nil {
			t.Skip("no /bin/true")
		}
		writeFile(t, dynamic, b, string(data), 0o755)
	}
	tests := []struct {
		name, dir, arch, want string
	}{
		{"wrong arch", amd, "arm64", "built for EM_X86_64, want EM_AARCH64"},
		{"dynamic", dynamic, "amd64", "dynamically linked"},
		{"missing", t.TempDir(), "amd64", "not a Linux executable"},
	}
	for _, tt := range tests {
		_, err := Build(context.Background(), BuildOptions{Version: testVersion, Arches: []string{tt.arch}, BinariesDir: tt.dir})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestUnpackRejects hands Unpack crafted layers.
func TestUnpackRejects(t *testing.T) {
	tests := []struct {
		name string
		hdr  tar.Header
		want string
	}{
		{"parent escape", tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644}, `"../evil"`},
		{"device node", tar.Header{Name: "rootfs/usr/local/dev", Typeflag: tar.TypeChar, Mode: 0o644}, "special files are not allowed"},
		{"fifo", tar.Header{Name: "rootfs/usr/local/fifo", Typeflag: tar.TypeFifo, Mode: 0o644}, "special files are not allowed"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tt.hdr); err != nil {
			t.Fatal(err)
		}
		tw.Close()
		raw := buf.Bytes()
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(empty.Image, layer)
		if err != nil {
			t.Fatal(err)
		}
		parent := t.TempDir()
		err = UnpackImage(img, filepath.Join(parent, "ext"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
		if _, err := os.Stat(filepath.Join(parent, "evil")); err == nil {
			t.Errorf("%s: wrote outside the destination", tt.name)
		}
	}
}

func fileSHA(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mustRef(t testing.TB, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustConfigName(t testing.TB, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustLayerDigests(t testing.TB, img v1.Image) string {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.String())
	}
	return strings.Join(out, ",")
}
