//go:build linux

package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/lab"
)

// LabDownOptions are the flags of `tailos lab down`.
type LabDownOptions struct {
	Dir string
}

// NewCmdLabDown builds `tailos lab down`.
func NewCmdLabDown(f *Factory, runF func(*LabDownOptions) error) *cobra.Command {
	opts := &LabDownOptions{}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove the lab: every process, namespace, mount and file it made",
		Long: `down asks the lab's supervisor to stop every node and Headscale and remove
the namespaces and the lab directory. If the supervisor is gone (killed,
crashed), down does it from the lab directory's record: it kills every
process in the lab's namespaces (their mounts live in private mount
namespaces and go with them), deletes the namespaces and the directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if _, err := lab.LoadState(opts.Dir); err != nil {
				return err
			}
			_, err := lab.Call(ctx, opts.Dir, lab.Request{Op: "down"})
			if errors.Is(err, lab.ErrNoSupervisor) || err != nil {
				// Whatever the supervisor managed, finish from the record.
				if _, serr := lab.LoadState(opts.Dir); serr == nil {
					if terr := lab.Teardown(ctx, opts.Dir); terr != nil {
						return terr
					}
				}
			}
			fmt.Fprintf(f.IO.ErrOut, "lab in %s removed\n", opts.Dir)
			return nil
		},
	}
	addLabDirFlag(f, cmd, &opts.Dir)
	return cmd
}
