package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/version"
)

// VersionOptions are the flags of `tailos version`.
type VersionOptions struct {
	Output string
}

// NewCmdVersion builds `tailos version`: the tailos version and the versions
// it targets and bundles.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the tailos version and the versions it targets",
		Long: `version prints the tailos version (stamped by the release build, else
the module version or VCS revision from the Go build info), the Go version,
the Talos machinery tailos is built with and the Talos releases it targets,
the Tailscale release extension builds default to and the Headscale release
the lab runs.`,
		Example: `  tailos version
  tailos version -o json | jq -r .tailos`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runVersion(f, opts)
		},
	}
	schAddOutputFlag(cmd, &opts.Output)
	return cmd
}

func runVersion(f *Factory, opts *VersionOptions) error {
	info := version.Get(f.Version)
	if opts.Output == "json" {
		return schWriteJSON(f.IO.Out, info)
	}
	rev := info.Revision
	if rev == "" {
		rev = "-"
	} else if info.Modified {
		rev += " (modified)"
	}
	_, err := fmt.Fprintf(f.IO.Out, `tailos %s
  go:        %s %s
  revision:  %s
  machinery: %s (Talos %s to %s, default %s)
  tailscale: %s (extension build and lab default)
  headscale: %s (lab)
`, info.Tailos, info.Go, info.Platform, rev,
		info.Machinery, info.Talos.Oldest, info.Talos.Newest, info.Talos.Default,
		info.Tailscale, info.Headscale)
	return err
}
