package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/schematic"
)

// SchematicURLsOptions are the flags of `tailos schematic urls`.
type SchematicURLsOptions struct {
	File         string
	ID           string
	TalosVersion string
	Platform     string
	Arch         string
	SecureBoot   bool
	SBC          bool
	Factory      string
	PXEFactory   string
	Output       string
}

// NewCmdSchematicURLs builds `tailos schematic urls`.
func NewCmdSchematicURLs(f *Factory, runF func(*SchematicURLsOptions) error) *cobra.Command {
	opts := &SchematicURLsOptions{}
	cmd := &cobra.Command{
		Use:   "urls --talos VERSION --platform P --arch A [--secureboot] (--id ID | FILE)",
		Short: "Print the installer image and boot asset URLs of a schematic",
		Long: `urls prints every asset of a schematic for one platform: the installer image
(<platform>-installer from Talos 1.10, installer before), and only the boot
methods the platform supports: disk images with the version's compression
(zstd from 1.8), ISO, iPXE script, kernel, initramfs, kernel command line
and UKI; for a schematic with a board overlay (single-board computers), the
board image. The platform, architecture, secure boot and Talos version are
checked against the factory's platform table. No network is used.`,
		Example: `  tailos schematic urls --talos v1.14.1 --platform metal --arch amd64 --id 4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b
  tailos schematic urls --talos v1.14.1 --platform aws --arch arm64 schematic.yaml
  tailos schematic urls --talos v1.14.1 --platform metal --arch amd64 --secureboot --factory https://factory.example.com schematic.yaml -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if (opts.ID == "") == (opts.File == "") {
				return BadInput(fmt.Errorf("give either --id ID or a schematic FILE"))
			}
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicURLs(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.ID, "id", "", "schematic ID")
	cmd.Flags().StringVar(&opts.TalosVersion, "talos", "", "Talos version, e.g. v1.14.1")
	cmd.Flags().StringVar(&opts.Platform, "platform", "metal", "platform: metal, aws, gcp, azure, nocloud, ...")
	cmd.Flags().StringVar(&opts.Arch, "arch", "amd64", "architecture: amd64 or arm64")
	cmd.Flags().BoolVar(&opts.SecureBoot, "secureboot", false, "secure boot assets")
	cmd.Flags().BoolVar(&opts.SBC, "sbc", false, "the schematic has a board overlay (implied by a FILE with an overlay)")
	cmd.Flags().StringVar(&opts.Factory, "factory", imagefactory.DefaultURL, "Image Factory base URL (self-hosted factories)")
	cmd.Flags().StringVar(&opts.PXEFactory, "pxe-factory", "", "base URL of iPXE scripts (default https://pxe.factory.talos.dev for the public factory, else --factory)")
	_ = cmd.MarkFlagRequired("talos")
	schAddOutputFlag(cmd, &opts.Output)
	return cmd
}

type schURLsResult struct {
	ID           string            `json:"id"`
	TalosVersion string            `json:"talosVersion"`
	Platform     string            `json:"platform"`
	Arch         string            `json:"arch"`
	SecureBoot   bool              `json:"secureboot"`
	Installer    string            `json:"installer"`
	Assets       []schematic.Asset `json:"assets"`
}

func runSchematicURLs(ctx context.Context, f *Factory, opts *SchematicURLsOptions) error {
	id, overlay := opts.ID, opts.SBC
	if opts.File != "" {
		s, err := schLoad(ctx, f, opts.File)
		if err != nil {
			return err
		}
		if id, err = s.ID(); err != nil {
			return err
		}
		overlay = overlay || s.Overlay.Name != ""
	}
	t := schematic.Target{
		Factory: opts.Factory, TalosVersion: opts.TalosVersion, Platform: opts.Platform,
		Arch: opts.Arch, SecureBoot: opts.SecureBoot, PXEFactory: opts.PXEFactory, Overlay: overlay,
	}
	if err := imagefactory.ValidateSchematicID(id); err != nil {
		return BadInput(fmt.Errorf("--id: %w", err))
	}
	assets, err := schematic.Assets(t, id)
	if err != nil {
		return BadInput(err)
	}
	if opts.Output == "json" {
		sv, _ := schematic.ParseTalosVersion(opts.TalosVersion)
		return schWriteJSON(f.IO.Out, schURLsResult{
			ID: id, TalosVersion: "v" + sv.String(), Platform: opts.Platform, Arch: opts.Arch,
			SecureBoot: opts.SecureBoot, Installer: assets[0].URL, Assets: assets,
		})
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	for _, a := range assets {
		fmt.Fprintf(tw, "%s\t%s\n", a.Kind, a.URL)
	}
	return tw.Flush()
}
