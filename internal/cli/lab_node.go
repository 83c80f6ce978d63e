//go:build linux

package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/lab"
)

// LabNodeOptions are the flags of `tailos lab restart|wipe NODE`.
type LabNodeOptions struct {
	Op   string
	Dir  string
	Node string
}

// NewCmdLabNode builds `tailos lab restart` and `tailos lab wipe`.
func NewCmdLabNode(f *Factory, op string, runF func(*LabNodeOptions) error) *cobra.Command {
	opts := &LabNodeOptions{Op: op}
	short := "Reboot a lab node: its service stops and starts, its state is kept"
	if op == "wipe" {
		short = "Reset a lab node like talosctl reset: its state is erased, then it starts as a new machine"
	}
	cmd := &cobra.Command{
		Use:   op + " NODE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Node = args[0]
			if runF != nil {
				return runF(opts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if _, err := lab.Call(ctx, opts.Dir, lab.Request{Op: op, Node: opts.Node}); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "%s: %s done, Running again\n", opts.Node, op)
			return nil
		},
	}
	addLabDirFlag(f, cmd, &opts.Dir)
	return cmd
}
