package extension

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver/v4"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/siderolabs/talos/pkg/machinery/extensions"
	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
	"go.yaml.in/yaml/v4"
)

// DefaultTalosVersion is the Talos release validation assumes when none is
// given: that of the machinery library tailos is built against.
const DefaultTalosVersion = "v1.14.1"

// DefaultTailscaleVersion is the tailscale.com release built when none is
// named: the one the official extension ships with Talos 1.14.x (it builds
// with Go 1.26). Older releases stay selectable.
const DefaultTailscaleVersion = "1.102.3"

// Unpacked is a validated extension on disk.
type Unpacked struct {
	Dir      string
	Manifest extensions.Manifest
	// Specs are the service specs by file name (without .yaml).
	Specs map[string]*services.Spec
}

// Validate checks an unpacked extension (manifest.yaml + rootfs/) the way a
// Talos node and the official extensions validator do: Talos's loader, its
// content rules (allowed paths, no world-writable or special files), the
// manifest's compatibility range against talosVersion (empty means
// DefaultTalosVersion), and every service spec with services.Spec.Validate.
// It also checks what only fails at runtime on a node: that each spec's
// entrypoint exists and is executable in its container root, and that the
// tailscale service finds tailscaled and tailscale on its PATH.
func Validate(dir, talosVersion string) (*Unpacked, error) {
	if talosVersion == "" {
		talosVersion = DefaultTalosVersion
	}
	tv, err := semver.ParseTolerant(talosVersion)
	if err != nil {
		return nil, fmt.Errorf("talos version %q: %w", talosVersion, err)
	}
	ext, err := extensions.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := ext.Validate(extensions.WithValidateConstraints(), extensions.WithValidateContents(), extensions.WithTalosVersion(&tv)); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := checkWorldWritable(ext.RootfsPath()); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if ext.Manifest.Metadata.Name == "" || ext.Manifest.Metadata.Version == "" {
		return nil, fmt.Errorf("%s: metadata.name and metadata.version are required", filepath.Join(dir, ManifestPath))
	}
	specs, err := LoadSpecs(dir)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, file := range sortedKeys(specs) {
		if err := checkSpec(dir, file, specs[file]); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Unpacked{Dir: dir, Manifest: ext.Manifest, Specs: specs}, nil
}

// checkConstraint applies machinery's compatibility check to a manifest
// alone (no rootfs is read when contents are not validated).
func checkConstraint(m extensions.Manifest, talosVersion string) error {
	if talosVersion == "" {
		talosVersion = DefaultTalosVersion
	}
	tv, err := semver.ParseTolerant(talosVersion)
	if err != nil {
		return fmt.Errorf("talos version %q: %w", talosVersion, err)
	}
	ext := extensions.New("", m.Metadata.Name, m)
	if err := ext.Validate(extensions.WithValidateConstraints(), extensions.WithTalosVersion(&tv)); err != nil {
		return fmt.Errorf("compatibility %q: %w", m.Metadata.Compatibility.Talos.Version, err)
	}
	return nil
}

// LoadSpecs reads every service spec of an unpacked extension, strictly:
// an unknown key is reported with its line, since Talos would ignore it.
func LoadSpecs(rootDir string) (map[string]*services.Spec, error) {
	matches, err := filepath.Glob(filepath.Join(rootDir, filepath.FromSlash(SpecDir), "*.yaml"))
	if err != nil {
		return nil, err
	}
	out := map[string]*services.Spec{}
	for _, path := range matches {
		spec, err := readSpec(path)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(filepath.Base(path), ".yaml")] = spec
	}
	return out, nil
}

// LoadSpec returns the tailscale service spec of an unpacked extension (or
// its only spec, whatever its name).
func LoadSpec(rootDir string) (*services.Spec, error) {
	specs, err := LoadSpecs(rootDir)
	if err != nil {
		return nil, err
	}
	if s, ok := specs[ServiceName]; ok {
		return s, nil
	}
	if len(specs) == 1 {
		for _, s := range specs {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s: no %s.yaml service spec among %d", filepath.Join(rootDir, filepath.FromSlash(SpecDir)), ServiceName, len(specs))
}

func readSpec(path string) (*services.Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var spec services.Spec
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &spec, nil
}

func checkSpec(dir, file string, spec *services.Spec) error {
	specPath := filepath.Join(dir, filepath.FromSlash(SpecDir), file+".yaml")
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	if spec.RunnerMode == services.RunnerModeHost {
		return nil
	}
	root := filepath.Join(dir, filepath.FromSlash(ContainersDir), spec.Name)
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: name: container root %s for service %q is missing", specPath, relTo(dir, root), spec.Name)
	}
	if err := executable(root, spec.Container.Entrypoint); err != nil {
		return fmt.Errorf("%s: container.entrypoint: %w", specPath, err)
	}
	if spec.Name != ServiceName {
		return nil
	}
	// The clamp runs its arguments: they must name containerboot in the root.
	if path.Base(spec.Container.Entrypoint) == ClampBinary {
		if len(spec.Container.Args) == 0 || path.Base(spec.Container.Args[0]) != Binaries[0] {
			return fmt.Errorf("%s: container.args: %s needs containerboot's path as its first argument, got %q", specPath, ClampBinary, spec.Container.Args)
		}
		if err := executable(root, spec.Container.Args[0]); err != nil {
			return fmt.Errorf("%s: container.args: %w", specPath, err)
		}
	}
	// containerboot execs tailscaled and tailscale by name through PATH.
	pathEnv := ""
	for _, kv := range spec.Container.Environment {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathEnv = v
			break
		}
	}
	var errs []error
	for _, prog := range Binaries[1:] {
		found := false
		for _, d := range filepath.SplitList(pathEnv) {
			if executable(root, filepath.Join(d, prog)) == nil {
				found = true
				break
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("%s: container.environment: %s is not on PATH=%q in %s", specPath, prog, pathEnv, relTo(dir, root)))
		}
	}
	return errors.Join(errs...)
}

// checkWorldWritable enforces the rule machinery states but does not apply:
// its walk reads permission bits from fs.DirEntry.Type(), which holds none.
func checkWorldWritable(rootfs string) error {
	return filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink == 0 && fi.Mode().Perm()&0o002 != 0 {
			return fmt.Errorf("world-writeable files are not allowed: %q", "/"+filepath.ToSlash(relTo(rootfs, p)))
		}
		return nil
	})
}

func executable(root, p string) error {
	full := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(p, "/")))
	fi, err := os.Stat(full)
	if err != nil {
		return fmt.Errorf("%s not found in the container root", p)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

func relTo(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// validateImage unpacks img into a scratch directory and validates it.
func validateImage(img v1.Image, talosVersion string) error {
	tmp, err := os.MkdirTemp("", "tailos-extension-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "tailscale")
	if err := UnpackImage(img, dir); err != nil {
		return err
	}
	_, err = Validate(dir, talosVersion)
	return err
}
