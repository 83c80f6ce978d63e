package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/extension"
	"github.com/tailos/tailos/internal/iostreams"
)

// ExtensionInspectOptions are the flags of `tailos extension inspect`.
type ExtensionInspectOptions struct {
	IO *iostreams.IOStreams

	Source       string
	Arch         string
	TalosVersion string
	Output       string
	Remote       bool
	Insecure     bool
	Timeout      time.Duration
}

// NewCmdExtensionInspect describes an extension image.
func NewCmdExtensionInspect(f *Factory, runF func(*ExtensionInspectOptions) error) *cobra.Command {
	opts := &ExtensionInspectOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "inspect DIR|FILE.tar|oci-layout:DIR|--remote IMAGE",
		Short: "Show an extension image's manifest, service spec and binaries",
		Long: `inspect opens a Talos system extension image (an OCI image layout directory,
oci-layout:DIR, or an image tarball; a registry reference only with
--remote), validates it with Talos's extension validators, and prints its
manifest, its service specs (credentials masked), and each binary with its Go
and tailscale.com versions and sha256 digest. A pull is bounded by --timeout.

Exit status 1 when the image fails validation, 2 when it cannot be read.`,
		Example: `  tailos extension inspect tailscale.tar
  tailos extension inspect --remote ghcr.io/siderolabs/tailscale:1.96.4 --arch arm64 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if opts.Output != "text" && opts.Output != "json" {
				return BadInput(fmt.Errorf("invalid --output %q: text or json", opts.Output))
			}
			if runF != nil {
				return runF(opts)
			}
			return runExtensionInspect(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Arch, "arch", "amd64", "architecture to inspect in a multi-arch image (amd64, arm64)")
	fl.StringVar(&opts.TalosVersion, "talos-version", extension.DefaultTalosVersion, "Talos release to check the manifest's compatibility against")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	fl.BoolVar(&opts.Remote, "remote", false, "IMAGE is a registry reference to pull (a local path is never taken for one)")
	fl.BoolVar(&opts.Insecure, "insecure", false, "allow pulling from a registry over plain HTTP (with --remote)")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "give up a registry pull after this long")
	return cmd
}

func runExtensionInspect(ctx context.Context, opts *ExtensionInspectOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var rep *extension.Report
	var err error
	if opts.Insecure && !opts.Remote {
		return BadInput(fmt.Errorf("--insecure applies to registry pulls: add --remote"))
	}
	if opts.Remote {
		var nopts []name.Option
		if opts.Insecure {
			// The plain-HTTP choice travels with the parsed reference.
			nopts = append(nopts, name.Insecure)
		}
		r, perr := name.ParseReference(opts.Source, nopts...)
		if perr != nil {
			return BadInput(fmt.Errorf("%s: %w", opts.Source, perr))
		}
		if opts.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
		}
		img, oerr := extension.OpenRef(ctx, r, opts.Arch)
		if oerr != nil {
			return BadInput(oerr)
		}
		rep, err = extension.InspectImage(img, opts.Source, opts.Arch, opts.TalosVersion)
	} else {
		rep, err = extension.Inspect(ctx, opts.Source, opts.Arch, opts.TalosVersion)
	}
	if err != nil {
		return BadInput(err)
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := printInspect(opts.IO.Out, rep); err != nil {
		return err
	}
	if rep.Invalid != "" {
		fmt.Fprintf(opts.IO.ErrOut, "invalid extension: %s\n", rep.Invalid)
		return Findings()
	}
	return nil
}

func printInspect(w io.Writer, rep *extension.Report) error {
	var b strings.Builder
	m := rep.Manifest.Metadata
	fmt.Fprintf(&b, "image:    %s (linux/%s)\n", rep.Source, rep.Arch)
	fmt.Fprintf(&b, "digest:   %s\n", rep.Digest)
	fmt.Fprintf(&b, "size:     %s compressed\n", humanBytes(rep.Size))
	fmt.Fprintf(&b, "manifest: %s %s by %s, Talos %s\n", m.Name, m.Version, m.Author, m.Compatibility.Talos.Version)
	if d := strings.TrimSpace(m.Description); d != "" {
		fmt.Fprintf(&b, "          %s\n", strings.ReplaceAll(d, "\n", " "))
	}
	names := make([]string, 0, len(rep.Specs))
	for n := range rep.Specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := rep.Specs[n]
		fmt.Fprintf(&b, "service:  ext-%s  entrypoint %s  restart %s\n", s.Name, s.Container.Entrypoint, s.Restart)
		for _, e := range s.Container.Environment {
			fmt.Fprintf(&b, "  env     %s\n", e)
		}
		for _, mt := range s.Container.Mounts {
			fmt.Fprintf(&b, "  mount   %s -> %s (%s)\n", mt.Source, mt.Destination, strings.Join(mt.Options, ","))
		}
		var deps []string
		for _, d := range s.Depends {
			switch {
			case d.Service != "":
				deps = append(deps, "service "+d.Service)
			case d.Path != "":
				deps = append(deps, "path "+d.Path)
			case len(d.Network) > 0:
				var ns []string
				for _, st := range d.Network {
					ns = append(ns, st.String())
				}
				deps = append(deps, "network "+strings.Join(ns, ","))
			case d.Time:
				deps = append(deps, "time")
			case d.Configuration:
				deps = append(deps, "configuration")
			}
		}
		fmt.Fprintf(&b, "  depends %s\n", strings.Join(deps, "; "))
	}
	for _, bin := range rep.Binaries {
		ver := bin.Tailscale
		if ver == "" {
			ver = "-"
		}
		static := "static"
		if !bin.Static {
			static = "dynamic"
		}
		fmt.Fprintf(&b, "binary:   %s\n  tailscale %s  %s  %s  %s  sha256:%s\n", bin.Path, ver, orDash(bin.GoVersion), static, humanBytes(bin.Size), bin.SHA256)
	}
	if rep.Invalid == "" {
		b.WriteString("valid:    yes (Talos extension loader, content and service-spec validators)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
