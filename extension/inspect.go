package extension

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/siderolabs/talos/pkg/machinery/extensions"
	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
	"go.yaml.in/yaml/v4"

	"github.com/tailos/tailos/secret"
)

// Report is what `tailos extension inspect` shows about one image.
type Report struct {
	Source   string                    `json:"source"`
	Arch     string                    `json:"arch"`
	Digest   string                    `json:"digest,omitempty"` // image manifest digest
	Size     int64                     `json:"size"`             // compressed layers, bytes
	Manifest extensions.Manifest       `json:"manifest"`
	Specs    map[string]*services.Spec `json:"specs"`
	Binaries []Binary                  `json:"binaries"`
	// Invalid holds the validation error, if any; the rest is still filled in
	// as far as it could be read.
	Invalid string `json:"invalid,omitempty"`
}

// Binary describes one executable in a service's container root.
type Binary struct {
	Path      string `json:"path"` // inside the image
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	GoVersion string `json:"goVersion,omitempty"`
	Package   string `json:"package,omitempty"` // main package, e.g. tailscale.com/cmd/tailscaled
	// Tailscale is the tailscale.com module version the binary was built from.
	Tailscale string `json:"tailscale,omitempty"`
	// Static is false when the binary needs a dynamic loader.
	Static bool `json:"static"`
}

// Inspect opens a local src (see Open), validates it, and describes its manifest,
// service specs and binaries. A validation failure is reported in
// Report.Invalid alongside whatever could be read, so that broken images can
// still be examined; other failures are errors.
func Inspect(ctx context.Context, src, arch, talosVersion string) (*Report, error) {
	img, err := Open(ctx, src, arch)
	if err != nil {
		return nil, err
	}
	return InspectImage(img, src, arch, talosVersion)
}

// InspectImage is Inspect for an image already opened; source names it.
func InspectImage(img v1.Image, src, arch, talosVersion string) (*Report, error) {
	tmp, err := os.MkdirTemp("", "tailos-inspect-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "extension")
	if err := UnpackImage(img, dir); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	rep := &Report{Source: src, Arch: arch}
	if err := fillImageFacts(rep, img); err != nil {
		return nil, err
	}
	if u, err := Validate(dir, talosVersion); err != nil {
		rep.Invalid = strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
		// Best effort for a broken image: whatever still parses.
		if ext, lerr := extensions.Load(dir); lerr == nil {
			rep.Manifest = ext.Manifest
		}
		rep.Specs, _ = LoadSpecs(dir)
	} else {
		rep.Manifest, rep.Specs = u.Manifest, u.Specs
	}
	// A report is for showing: an auth key baked into the image is masked.
	for _, sp := range rep.Specs {
		if sp == nil {
			continue
		}
		for i, e := range sp.Container.Environment {
			sp.Container.Environment[i] = secret.Mask(e)
		}
	}
	rep.Binaries, err = describeBinaries(dir)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func fillImageFacts(rep *Report, img v1.Image) error {
	d, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image digest: %w", err)
	}
	rep.Digest = d.String()
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("image manifest: %w", err)
	}
	for _, l := range m.Layers {
		rep.Size += l.Size
	}
	return nil
}

// describeBinaries lists every executable regular file under the container
// roots, in path order.
func describeBinaries(dir string) ([]Binary, error) {
	root := filepath.Join(dir, filepath.FromSlash(ContainersDir))
	var out []Binary
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return filepath.SkipDir
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil || fi.Mode().Perm()&0o111 == 0 {
			return err
		}
		b, err := describeBinary(p)
		if err != nil {
			return err
		}
		b.Path = "/" + filepath.ToSlash(relTo(filepath.Join(dir, "rootfs"), p))
		out = append(out, b)
		return nil
	})
	return out, err
}

func describeBinary(path string) (Binary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Binary{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Binary{}, fmt.Errorf("hashing %s: %w", path, err)
	}
	b := Binary{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	b.Static = isStaticELF(path)
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return b, nil // not a Go binary: size and digest are all we know
	}
	b.GoVersion, b.Package = bi.GoVersion, bi.Path
	if bi.Main.Path == "tailscale.com" {
		b.Tailscale = bi.Main.Version
	}
	for _, dep := range bi.Deps {
		if dep.Path == "tailscale.com" {
			b.Tailscale = dep.Version
			if dep.Replace != nil {
				b.Tailscale = dep.Replace.Version
			}
		}
	}
	return b, nil
}

// MarshalJSON renders the manifest and specs with the keys of their YAML
// files (machinery's types carry YAML tags only).
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	out := struct {
		*plain
		Manifest any            `json:"manifest"`
		Specs    map[string]any `json:"specs"`
	}{plain: (*plain)(r), Specs: map[string]any{}}
	var err error
	if out.Manifest, err = yamlView(r.Manifest); err != nil {
		return nil, err
	}
	for name, s := range r.Specs {
		if out.Specs[name], err = yamlView(s); err != nil {
			return nil, err
		}
	}
	return json.Marshal(out)
}

// yamlView is v as its YAML file reads, as plain maps and lists.
func yamlView(v any) (any, error) {
	b, err := marshalPruned(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
