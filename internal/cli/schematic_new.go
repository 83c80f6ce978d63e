package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/schematic"
)

// SchematicNewOptions are the flags of `tailos schematic new`.
type SchematicNewOptions struct {
	Extensions   []string
	KernelArgs   []string
	OverlayImage string
	OverlayName  string
	WellKnown    bool
	Store        string
	NoSave       bool
	Output       string
}

// NewCmdSchematicNew builds `tailos schematic new`.
func NewCmdSchematicNew(f *Factory, runF func(*SchematicNewOptions) error) *cobra.Command {
	opts := &SchematicNewOptions{}
	cmd := &cobra.Command{
		Use:   "new --ext siderolabs/tailscale [--ext ...] [--karg ...]",
		Short: "Write a schematic and print its ID",
		Long: `new builds a schematic from official extensions and kernel arguments, in the
order given (the order is part of the ID), prints its canonical YAML with
the ID, and saves it in the local store so that verify can later prove an
installer image built from it carries Tailscale. No network is used; run
create --online to register it with a factory (the ID will be the same).`,
		Example: `  tailos schematic new --ext siderolabs/tailscale
  tailos schematic new --ext siderolabs/tailscale --ext siderolabs/iscsi-tools --karg console=ttyS0
  tailos schematic new --ext siderolabs/tailscale --overlay-image siderolabs/sbc-raspberrypi --overlay-name rpi_generic
  tailos schematic new --ext siderolabs/tailscale -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicNew(f, opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Extensions, "ext", nil, "official extension owner/name (repeatable, order kept)")
	cmd.Flags().StringArrayVar(&opts.KernelArgs, "karg", nil, "extra kernel argument (repeatable, order kept)")
	cmd.Flags().StringVar(&opts.OverlayImage, "overlay-image", "", "board overlay image, e.g. siderolabs/sbc-raspberrypi")
	cmd.Flags().StringVar(&opts.OverlayName, "overlay-name", "", "board overlay name, e.g. rpi_generic")
	cmd.Flags().BoolVar(&opts.WellKnown, "secureboot-wellknown", false, "include well-known UEFI certificates in secure boot auto-enrollment")
	cmd.Flags().BoolVar(&opts.NoSave, "no-save", false, "do not save the schematic in the local store")
	schAddStoreFlag(cmd, &opts.Store)
	schAddOutputFlag(cmd, &opts.Output)
	return cmd
}

func runSchematicNew(f *Factory, opts *SchematicNewOptions) error {
	var errs []error
	for _, e := range opts.Extensions {
		if err := imagefactory.ValidateExtensionName(e); err != nil {
			errs = append(errs, fmt.Errorf("--ext: %w", err))
		}
	}
	if (opts.OverlayImage == "") != (opts.OverlayName == "") {
		errs = append(errs, fmt.Errorf("--overlay-image and --overlay-name go together"))
	}
	s := schematic.New(opts.Extensions, opts.KernelArgs)
	s.Overlay.Image, s.Overlay.Name = opts.OverlayImage, opts.OverlayName
	s.Customization.SecureBoot.IncludeWellKnownCertificates = opts.WellKnown
	if len(errs) == 0 {
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return BadInput(errors.Join(errs...))
	}

	seen := map[string]bool{}
	for _, e := range opts.Extensions {
		if seen[e] {
			fmt.Fprintf(f.IO.ErrOut, "warning: extension %s is listed more than once; the factory keeps duplicates, so the ID differs from the list without them\n", e)
		}
		seen[e] = true
	}
	if !seen[tailscaleext.Name] {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s is not in the schematic: nodes installed or upgraded from it run without Tailscale\n", tailscaleext.Name)
	}

	res, err := newSchIDResult(s)
	if err != nil {
		return err
	}
	if !opts.NoSave {
		path, err := schSave(f, opts.Store, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "saved %s\n", path)
	}
	res.Schematic = schShow(f, res.Schematic)
	if opts.Output == "json" {
		return schWriteJSON(f.IO.Out, res)
	}
	_, err = fmt.Fprintf(f.IO.Out, "# schematic id: %s\n%s", res.ID, res.Schematic)
	return err
}
