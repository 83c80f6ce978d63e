//go:build linux

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/talosnode"
)

// LabStatusOptions are the flags of `tailos lab status`.
type LabStatusOptions struct {
	Dir    string
	Output string
	JSON   bool
}

// NewCmdLabStatus builds `tailos lab status`.
func NewCmdLabStatus(f *Factory, runF func(*LabStatusOptions) error) *cobra.Command {
	opts := &LabStatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the lab's nodes: tailnet IPs, node keys, routes, duplicates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.JSON {
				opts.Output = "json"
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			resp, err := lab.Call(ctx, opts.Dir, lab.Request{Op: "status"})
			if err != nil {
				return err
			}
			return printLabStatus(f, resp.Status, opts.Output)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "shorthand for -o json")
	addLabDirFlag(f, cmd, &opts.Dir)
	return cmd
}

func printLabStatus(f *Factory, st *lab.Status, output string) error {
	if st == nil {
		return fmt.Errorf("no status from the lab")
	}
	if output == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	fmt.Fprintf(f.IO.Out, "lab %s in %s, headscale %s\n", st.ID, st.Dir, st.Headscale)
	if st.Talosconfig != "" {
		fmt.Fprintf(f.IO.Out, "talos %s nodes (%s runtime), talosconfig %s (context %s)\n", talosnode.TalosVersion, st.Runtime, st.Talosconfig, lab.TalosContext)
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tUNDERLAY\tTAILNET IP\tSTATE\tONLINE\tID\tMTU\tSTARTS\tROUTES")
	for _, n := range st.Nodes {
		routes := "-"
		if len(n.AdvertisedRoutes) > 0 {
			routes = fmt.Sprintf("%s (approved: %s)", strings.Join(n.AdvertisedRoutes, ","), orDash(strings.Join(n.ApprovedRoutes, ",")))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%d\t%d\t%d\t%s\n", n.Name, n.Underlay, orDash(n.TailnetIP), n.BackendState, n.Online, n.HeadscaleID, n.TUNMTU, n.Service.Starts, routes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range st.Duplicates {
		fmt.Fprintf(f.IO.Out, "duplicate: %s is registered %d times (devices %v): a node lost its state\n", d.Hostname, len(d.Devices), d.Devices)
	}
	return nil
}
