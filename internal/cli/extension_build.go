package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/extension"
	"github.com/tailos/tailos/internal/iostreams"
)

// ExtensionBuildOptions are the flags of `tailos extension build`.
type ExtensionBuildOptions struct {
	IO *iostreams.IOStreams

	Tailscale    string
	Arches       []string
	TalosCompat  string
	TalosVersion string
	BinariesDir  string
	Output       string // DIR (OCI layout) or FILE.tar
	Push         string
	Tag          string
	Insecure     bool
	JSON         bool
}

// NewCmdExtensionBuild builds the extension image.
func NewCmdExtensionBuild(f *Factory, runF func(*ExtensionBuildOptions) error) *cobra.Command {
	opts := &ExtensionBuildOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "build --tailscale VERSION (-o DIR/ | -o FILE.tar | --push REF)",
		Short: "Build the Tailscale system extension image",
		Long: `build compiles static containerboot, tailscaled and tailscale from
tailscale.com@VERSION (or takes them from --binaries) and the service's
entrypoint, the TCP MSS clamp tailos-mssclamp (from --binaries if it is
there), lays them out as a Talos system extension with the ext-tailscale
service spec, validates the result
with Talos's extension validators, and writes it as an OCI image layout
(-o DIR), an image tarball (-o FILE.tar), or pushes it (--push REF).

Builds are reproducible: the same version, Go toolchain and binaries give the
same image digest. Binaries are cached under $XDG_CACHE_HOME/tailos.`,
		Example: `  tailos extension build -o tailscale.tar          # tailscale ` + extension.DefaultTailscaleVersion + `
  tailos extension build --tailscale 1.96.5 -o tailscale.tar
  tailos extension build --tailscale 1.96.5 --arch amd64 --arch arm64 --push registry.lan/siderolabs/tailscale:1.96.5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tailscale == "" {
				return BadInput(errors.New("--tailscale VERSION is required (e.g. --tailscale 1.96.5)"))
			}
			if opts.Output == "" && opts.Push == "" {
				return BadInput(errors.New("nothing to do: give -o DIR/, -o FILE.tar or --push REF"))
			}
			if runF != nil {
				return runF(opts)
			}
			return runExtensionBuild(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Tailscale, "tailscale", extension.DefaultTailscaleVersion, "tailscale.com release to build (older ones stay selectable, e.g. 1.96.5)")
	fl.StringSliceVar(&opts.Arches, "arch", []string{"amd64"}, "architecture (amd64, arm64); repeat for a multi-arch index")
	fl.StringVar(&opts.TalosCompat, "talos-compat", extension.DefaultTalosCompat, "Talos version constraint written to the manifest")
	fl.StringVar(&opts.TalosVersion, "talos-version", extension.DefaultTalosVersion, "Talos release to validate against and to name in the installer commands")
	fl.StringVar(&opts.BinariesDir, "binaries", "", "use prebuilt static binaries from DIR (or DIR/<arch>/) instead of building")
	fl.StringVarP(&opts.Output, "output", "o", "", "write an OCI image layout to DIR, or an image tarball to FILE.tar")
	fl.StringVar(&opts.Push, "push", "", "push the image to this registry reference")
	fl.StringVar(&opts.Tag, "tag", "", "image name recorded in a layout or tarball (default: the --push reference or tailscale:VERSION)")
	fl.BoolVar(&opts.Insecure, "insecure", false, "allow pushing to a registry over plain HTTP")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

// buildResult is what build reports, as text or JSON.
type buildResult struct {
	Version string            `json:"version"`
	Digest  string            `json:"digest"`
	Images  map[string]string `json:"images"` // arch → image digest
	Sizes   map[string]int64  `json:"sizes"`  // arch → compressed bytes
	Layout  string            `json:"layout,omitempty"`
	Tarball string            `json:"tarball,omitempty"`
	// TarballDigest is the manifest digest a registry shows after `crane
	// push FILE.tar`: a docker tarball keeps config and layers, not the
	// OCI manifest, so it differs from Digest.
	TarballDigest string `json:"tarballDigest,omitempty"`
	Pushed        string `json:"pushed,omitempty"`
}

func runExtensionBuild(ctx context.Context, opts *ExtensionBuildOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.IO
	progress := ios.Progress()
	version, err := extension.NormalizeVersion(opts.Tailscale)
	if err != nil {
		return BadInput(fmt.Errorf("--tailscale: %w", err))
	}
	isTar := strings.HasSuffix(opts.Output, ".tar")
	if isTar && len(dedupe(opts.Arches)) > 1 {
		return BadInput(fmt.Errorf("-o %s: an image tarball holds one architecture; write a layout directory or --push for %s", opts.Output, strings.Join(opts.Arches, ",")))
	}
	if opts.Output != "" && !isTar {
		// Fail before a build that may take minutes.
		if entries, err := os.ReadDir(opts.Output); err == nil && len(entries) > 0 {
			return BadInput(fmt.Errorf("-o %s: directory exists and is not empty; refusing to overwrite", opts.Output))
		}
	}
	var pushRef name.Reference
	if opts.Push != "" {
		var nopts []name.Option
		if opts.Insecure {
			nopts = append(nopts, name.Insecure)
		}
		if pushRef, err = name.ParseReference(opts.Push, nopts...); err != nil {
			return BadInput(fmt.Errorf("--push %q: %w", opts.Push, err))
		}
	}
	tag := opts.Tag
	if tag == "" && pushRef != nil {
		if t, ok := pushRef.(name.Tag); ok {
			tag = t.String()
		}
	}
	if tag != "" {
		if _, err := name.NewTag(tag); err != nil {
			return BadInput(fmt.Errorf("--tag %q: %w", tag, err))
		}
	}

	progress.Step("building the tailscale %s extension for %s", version, strings.Join(opts.Arches, ", "))
	art, err := extension.Build(ctx, extension.BuildOptions{
		Version:      version,
		Arches:       opts.Arches,
		TalosCompat:  opts.TalosCompat,
		TalosVersion: opts.TalosVersion,
		BinariesDir:  opts.BinariesDir,
		Binaries:     extension.BinariesOptions{Progress: progress.Step},
	})
	if err != nil {
		return BadInput(err)
	}
	res, err := describeArtifact(art)
	if err != nil {
		return err
	}
	switch {
	case opts.Output == "":
	case isTar:
		progress.Step("writing image tarball %s", opts.Output)
		if err := extension.WriteTarball(opts.Output, art, tag); err != nil {
			return err
		}
		res.Tarball = opts.Output
		img, err := extension.Open(ctx, opts.Output, art.Arches()[0])
		if err != nil {
			return fmt.Errorf("reading back %s: %w", opts.Output, err)
		}
		d, err := img.Digest()
		if err != nil {
			return err
		}
		res.TarballDigest = d.String()
	default:
		progress.Step("writing OCI image layout %s", opts.Output)
		if err := extension.WriteLayout(opts.Output, art, tag); err != nil {
			return err
		}
		res.Layout = opts.Output
	}
	if pushRef != nil {
		progress.Step("pushing %s", pushRef)
		pushed, err := extension.PushRef(ctx, pushRef, art)
		if err != nil {
			return err
		}
		res.Pushed = pushed
	}
	if opts.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return printBuild(ios.Out, res, opts)
}

func describeArtifact(a *extension.Artifact) (*buildResult, error) {
	d, err := a.Digest()
	if err != nil {
		return nil, err
	}
	res := &buildResult{Version: a.Version, Digest: d.String(), Images: map[string]string{}, Sizes: map[string]int64{}}
	for _, arch := range a.Arches() {
		img := a.Images[arch]
		id, err := img.Digest()
		if err != nil {
			return nil, err
		}
		m, err := img.Manifest()
		if err != nil {
			return nil, err
		}
		var size int64
		for _, l := range m.Layers {
			size += l.Size
		}
		res.Images[arch], res.Sizes[arch] = id.String(), size
	}
	return res, nil
}

func printBuild(w io.Writer, res *buildResult, opts *ExtensionBuildOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "tailscale %s extension, validated against Talos %s\n", res.Version, opts.TalosVersion)
	fmt.Fprintf(&b, "digest: %s\n", res.Digest)
	for _, arch := range sortedArches(res.Images) {
		fmt.Fprintf(&b, "  linux/%-5s %s  %s\n", arch, res.Images[arch], humanBytes(res.Sizes[arch]))
	}
	if res.Layout != "" {
		fmt.Fprintf(&b, "wrote OCI image layout %s\n", res.Layout)
	}
	if res.Tarball != "" {
		fmt.Fprintf(&b, "wrote image tarball %s (pushed from there its manifest digest is %s)\n", res.Tarball, res.TarballDigest)
	}
	if res.Pushed != "" {
		fmt.Fprintf(&b, "pushed %s\n", res.Pushed)
	}
	b.WriteString(nextSteps(res, opts))
	_, err := io.WriteString(w, b.String())
	return err
}

// nextSteps explains how the image reaches a node: machine.install.extensions
// is ignored since Talos 1.10, so the extension must be baked into an
// installer (imager) or served by a self-hosted Image Factory.
func nextSteps(res *buildResult, opts *ExtensionBuildOptions) string {
	ref := res.Pushed
	var b strings.Builder
	b.WriteString("\nTo put it on nodes (machine.install.extensions has no effect since Talos 1.10):\n")
	if ref == "" {
		ref = "REGISTRY/tailscale:" + res.Version
		src := res.Layout
		if src == "" {
			src = res.Tarball
		}
		fmt.Fprintf(&b, "  crane push %s %s   # the imager pulls extensions from a registry\n", src, ref)
	}
	for _, arch := range sortedArches(res.Images) {
		fmt.Fprintf(&b, "  docker run --rm -t -v $PWD/_out:/out -v /dev:/dev --privileged ghcr.io/siderolabs/imager:%s installer --arch %s --system-extension-image %s\n",
			opts.TalosVersion, arch, ref)
		fmt.Fprintf(&b, "  crane push _out/installer-%s.tar REGISTRY/installer-tailscale:%s-%s\n", arch, opts.TalosVersion, arch)
	}
	b.WriteString("  then set machine.install.image (UnattendedInstallConfig installer.image on Talos >= 1.14) to that installer\n")
	fmt.Fprintf(&b, "  and upgrade with it: talosctl upgrade --image REGISTRY/installer-tailscale:%s-ARCH\n", opts.TalosVersion)
	b.WriteString("  See docs/extension.md for a self-hosted Image Factory.\n")
	return b.String()
}

func sortedArches(m map[string]string) []string {
	var out []string
	for _, a := range extension.Arches {
		if _, ok := m[a]; ok {
			out = append(out, a)
		}
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func humanBytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
