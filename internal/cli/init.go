package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/spec"
)

// InitOptions are the flags of `tailos init`.
type InitOptions struct {
	Path  string
	Force bool
}

// NewCmdInit builds `tailos init`, which writes a commented starter spec.
func NewCmdInit(f *Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter tailos.yaml",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			if _, err := os.Stat(opts.Path); err == nil && !opts.Force {
				return BadInput(fmt.Errorf("%s exists; use --force to replace it", opts.Path))
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return BadInput(err)
			}
			if err := render.WriteFileAtomic(opts.Path, spec.Starter(), false); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "wrote %s; edit it, then run: tailos gen -f %s -o out/\n", opts.Path, opts.Path)
			return nil
		},
	}
	cmd.Flags().StringVarP(&opts.Path, "output", "o", "tailos.yaml", "where to write the spec")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace an existing file")
	return cmd
}
