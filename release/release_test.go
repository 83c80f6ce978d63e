package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"debug/elf"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/tailos/tailos/extension"
	"github.com/tailos/tailos/version"
)

// testVersion is stamped into the test releases.
const testVersion = "v0.0.0-test.1"

// The release the tests share: the host's linux target only (with its
// image), built once. Cross-compiling the other targets shares nothing with
// it and would multiply the cost; the CI dry run builds all four.
var (
	shared    *Result
	sharedErr error
	sharedMu  sync.Mutex
)

func hostTarget(t *testing.T) Target {
	t.Helper()
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("the release tests run the linux image's binary: needs linux/amd64 or linux/arm64, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	if testing.Short() {
		t.Skip("builds tailos with the release flags; skipped with -short")
	}
	return Target{"linux", runtime.GOARCH}
}

func sharedRelease(t *testing.T) *Result {
	t.Helper()
	tg := hostTarget(t)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		dir, err := os.MkdirTemp("", "tailos-release-test-")
		if err != nil {
			t.Fatal(err)
		}
		sharedDir = dir
		shared, sharedErr = Build(context.Background(), Options{
			Version: testVersion, Source: "..", Out: filepath.Join(dir, "dist"), Targets: []Target{tg},
			Progress: t.Logf,
		})
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

var sharedDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// TestReproducible builds the release a second time from a copy of the
// tree at another path, with an empty build cache of its own (as a second
// machine would: every package compiled again, nothing reused from the
// first build), and compares every file byte for byte.
func TestReproducible(t *testing.T) {
	first := sharedRelease(t)
	src := copyTree(t, "..")
	second, err := Build(context.Background(), Options{
		Version: testVersion, Source: src, Out: filepath.Join(t.TempDir(), "dist"), Targets: []Target{hostTarget(t)},
		Env:      []string{"GOCACHE=" + t.TempDir()},
		Progress: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := treeFiles(t, first.Dir), treeFiles(t, second.Dir)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("first release has %d files, second %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two builds of the same tree", name)
		}
	}
	if first.ImageDigest == "" || first.ImageDigest != second.ImageDigest {
		t.Errorf("image digests %q and %q", first.ImageDigest, second.ImageDigest)
	}
}

func TestChecksumsVerifyWithSha256sum(t *testing.T) {
	res := sharedRelease(t)
	sum, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum (coreutils) is not installed")
	}
	cmd := exec.Command(sum, "-c", ChecksumsFile)
	cmd.Dir = res.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	for _, name := range append(append([]string(nil), res.Archives...), res.SBOMs...) {
		if !strings.Contains(string(out), name+": OK") {
			t.Errorf("sha256sum -c did not check %s:\n%s", name, out)
		}
	}
	// And it notices a changed archive.
	tampered := t.TempDir()
	for _, n := range []string{ChecksumsFile, res.Archives[0], res.SBOMs[0]} {
		data, err := os.ReadFile(filepath.Join(res.Dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == res.Archives[0] {
			data[len(data)/2] ^= 1
		}
		if err := os.WriteFile(filepath.Join(tampered, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd = exec.Command(sum, "-c", ChecksumsFile)
	cmd.Dir = tampered
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), res.Archives[0]+": FAILED") {
		t.Errorf("sha256sum -c accepted a changed archive: %v\n%s", err, out)
	}
}

// TestImageRunsVersion unpacks the image with go-containerregistry and runs
// its tailos: chrooted into the image's root as root (so only what the
// image holds is there), else the unpacked binary directly.
func TestImageRunsVersion(t *testing.T) {
	res := sharedRelease(t)
	arch := runtime.GOARCH
	layoutDir := filepath.Join(res.Dir, ImageDir)
	idx, err := layout.ImageIndexFromPath(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != ImageTag(testVersion) {
		t.Fatalf("layout index %+v, want one entry named %s", im.Manifests, ImageTag(testVersion))
	}
	img, err := extension.Open(context.Background(), layoutDir, arch)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != arch || len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != ImageBinary || cf.Config.WorkingDir != ImageWorkDir {
		t.Errorf("image config: %s/%s entrypoint %v workdir %q", cf.OS, cf.Architecture, cf.Config.Entrypoint, cf.Config.WorkingDir)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want one on an empty base", len(layers), err)
	}

	root := filepath.Join(t.TempDir(), "rootfs")
	if err := extension.UnpackImage(img, root); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			got = append(got, "/"+rel)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != ImageCAFile+" "+ImageBinary {
		t.Errorf("image files %v, want only %s and %s", got, ImageCAFile, ImageBinary)
	}
	ca, err := os.ReadFile(filepath.Join(root, ImageCAFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := countCerts(t, ca); n < 100 {
		t.Errorf("CA bundle has %d certificates, want the Mozilla set", n)
	}

	out, code := runInImage(t, root, cf.Config.Env, "version", "-o", "json")
	if code != 0 {
		t.Fatalf("image's tailos version: exit %d\n%s", code, out)
	}
	var info version.Info
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("tailos version -o json: %v\n%s", err, out)
	}
	if info.Tailos != testVersion {
		t.Errorf("image's tailos reports version %q, want %q", info.Tailos, testVersion)
	}
	if info.Platform != "linux/"+arch {
		t.Errorf("platform %q", info.Platform)
	}
	if want := goModVersion(t, version.MachineryModule); info.Machinery != want {
		t.Errorf("machinery %q, go.mod requires %s", info.Machinery, want)
	}
	if info.Go != runtime.Version() {
		t.Errorf("built with %q, the test runs %q", info.Go, runtime.Version())
	}

	// `docker run -v "$PWD:/work" … check .`: the files are mounted at the
	// working directory; a repeated flag is an error finding (exit 1).
	patch := "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_EXTRA_ARGS=--hostname=cp-1\n  - TS_HOSTNAME=cp-1\n"
	if err := os.WriteFile(filepath.Join(root, ImageWorkDir, "patch.yaml"), []byte(patch), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = runInImage(t, root, cf.Config.Env, "check", ".")
	if code != 1 || !strings.Contains(string(out), "patch.yaml:5: error TS130") {
		t.Errorf("image's tailos check .: exit %d, want 1 with TS130 on line 5:\n%s", code, out)
	}
}

// runInImage runs the image's tailos with args: chrooted into root when
// running as root (only what the image holds is there), else the unpacked
// binary directly. It returns stdout and the exit code.
func runInImage(t *testing.T, root string, env []string, args ...string) ([]byte, int) {
	t.Helper()
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command(ImageBinary, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
		cmd.Dir = ImageWorkDir
	} else {
		t.Log("not root: running the unpacked binary without chroot")
		cmd = exec.Command(filepath.Join(root, ImageBinary), args...)
		cmd.Dir = filepath.Join(root, ImageWorkDir)
	}
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return append(out, stderr.Bytes()...), ee.ExitCode()
	case err != nil:
		t.Fatalf("running the image's tailos %v: %v", args, err)
	}
	return out, 0
}

func TestArchiveHoldsTheImageBinary(t *testing.T) {
	res := sharedRelease(t)
	base := archiveBase(testVersion, hostTarget(t))
	if res.Archives[0] != base+".tar.gz" {
		t.Fatalf("archive %q, want %s.tar.gz", res.Archives[0], base)
	}
	f, err := os.Open(filepath.Join(res.Dir, res.Archives[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	entries := map[string]*tar.Header{}
	var bin []byte
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries[h.Name] = h
		if h.Name == base+"/tailos" {
			if bin, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, mode := range map[string]int64{base + "/": 0o755, base + "/tailos": 0o755, base + "/README.md": 0o644} {
		h := entries[name]
		if h == nil || h.Mode != mode || h.Uid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: %+v, want mode %o, root, epoch", name, h, mode)
		}
	}
	if len(entries) != 3 {
		t.Errorf("archive entries %v", entries)
	}
	img, err := extension.Open(context.Background(), filepath.Join(res.Dir, ImageDir), runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := extension.UnpackImage(img, root); err != nil {
		t.Fatal(err)
	}
	inImage, err := os.ReadFile(filepath.Join(root, ImageBinary))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bin, inImage) {
		t.Error("the archive and the image carry different binaries")
	}
	// Static: no ELF interpreter, so it runs on an empty base.
	f2, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f2.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the linux binary is dynamically linked")
		}
	}
}

func TestSBOMListsLinkedModules(t *testing.T) {
	res := sharedRelease(t)
	f, err := os.Open(filepath.Join(res.Dir, res.SBOMs[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(f, cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.Metadata == nil || bom.Metadata.Component == nil {
		t.Fatalf("not a CycloneDX BOM with a main component: %+v", bom)
	}
	main := bom.Metadata.Component
	if main.Name != "tailos" || main.Version != testVersion || main.PackageURL != "pkg:golang/"+ModulePath+"@"+testVersion {
		t.Errorf("main component %s %s %s", main.Name, main.Version, main.PackageURL)
	}
	byName := map[string]cdx.Component{}
	for _, c := range *bom.Components {
		byName[c.Name] = c
	}
	// Versions as go.mod pins them (after its replace lines).
	for _, mod := range []string{version.MachineryModule, "github.com/spf13/cobra", "github.com/google/go-containerregistry", "github.com/cosi-project/runtime"} {
		c, ok := byName[mod]
		if !ok {
			t.Errorf("SBOM lacks %s", mod)
			continue
		}
		if want := goModVersion(t, mod); c.Version != want {
			t.Errorf("%s %s, go.mod says %s", mod, c.Version, want)
		}
		if c.Properties == nil || !strings.HasPrefix((*c.Properties)[0].Value, "h1:") {
			t.Errorf("%s has no Go module checksum", mod)
		}
	}
	if _, ok := byName["github.com/rogpeppe/go-internal"]; ok {
		t.Error("a test-only module is listed: the SBOM must list what is linked")
	}
	deps := bom.Dependencies
	if deps == nil || len(*deps) != 1 || len(*(*deps)[0].Dependencies) != len(*bom.Components) {
		t.Errorf("dependency graph does not tie the binary to its %d components", len(*bom.Components))
	}
}

// goModVersion is the version go.mod resolves path to: a replace line's
// target if there is one, else the require line.
func goModVersion(t *testing.T, path string) string {
	t.Helper()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	q := regexp.QuoteMeta(path)
	if m := regexp.MustCompile(`(?m)^replace ` + q + ` \S+ => ` + q + ` (\S+)`).FindSubmatch(mod); m != nil {
		return string(m[1])
	}
	m := regexp.MustCompile(`(?m)^\s*` + q + ` (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatalf("go.mod does not require %s", path)
	}
	return string(m[1])
}

func countCerts(t *testing.T, data []byte) int {
	t.Helper()
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Errorf("certificate %d: %v", n, err)
		}
		n++
	}
	return n
}

// treeFiles reads every regular file under dir by relative path.
func treeFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyTree copies the files of src's working tree that git tracks or would
// track (not the ignored ones) to a new directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = src
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("copying the source tree needs git ls-files: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "src")
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(src, rel))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
