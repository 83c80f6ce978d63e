package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// SchematicIDOptions are the flags of `tailos schematic id`.
type SchematicIDOptions struct {
	File   string
	Output string
}

// NewCmdSchematicID builds `tailos schematic id`.
func NewCmdSchematicID(f *Factory, runF func(*SchematicIDOptions) error) *cobra.Command {
	opts := &SchematicIDOptions{}
	cmd := &cobra.Command{
		Use:   "id [FILE|-]",
		Short: "Print the ID the Image Factory assigns to a schematic",
		Long: `id reads a schematic (YAML or JSON, any style; stdin when FILE is - or
missing) exactly as the factory does, rejecting unknown fields, and prints
the ID the factory assigns to it: the SHA-256 of its canonical encoding.
No network is used.`,
		Example: `  tailos schematic id schematic.yaml
  echo '{"customization":{"systemExtensions":{"officialExtensions":["siderolabs/tailscale"]}}}' | tailos schematic id
  tailos schematic id schematic.yaml -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicID(cmd.Context(), f, opts)
		},
	}
	schAddOutputFlag(cmd, &opts.Output)
	return cmd
}

func runSchematicID(ctx context.Context, f *Factory, opts *SchematicIDOptions) error {
	s, err := schLoad(ctx, f, opts.File)
	if err != nil {
		return err
	}
	schWarnOwner(f, s)
	res, err := newSchIDResult(s)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		res.Schematic = schShow(f, res.Schematic)
		return schWriteJSON(f.IO.Out, res)
	}
	_, err = fmt.Fprintln(f.IO.Out, res.ID)
	return err
}
