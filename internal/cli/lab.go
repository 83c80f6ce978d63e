//go:build linux

package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// NewCmdLab builds `tailos lab`.
func NewCmdLab(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run a real tailnet of Talos-like nodes in network namespaces (Linux, root)",
		Long: `lab runs, on this machine, a Headscale control server and nodes that each run
the Tailscale system extension the way Talos runs it: the extension's service
spec (entrypoint, environment, mounts, restart policy), the node's generated
ExtensionServiceConfig environment appended after it, the node's /var kept
across restarts. Everything lives in network namespaces on a private bridge
with addresses from 198.18.0.0/15; nothing leaves the machine.

  tailos lab up [-f tailos.yaml]      start a lab (in the background)
  tailos lab status [-o json]         nodes, tailnet IPs, keys, routes, duplicates
  tailos lab restart NODE             reboot a node (state kept)
  tailos lab wipe NODE                talosctl reset a node (state erased)
  tailos lab down                     remove every namespace, process and file`,
	}
	cmd.AddCommand(
		NewCmdLabUp(f, nil),
		NewCmdLabStatus(f, nil),
		NewCmdLabNode(f, "restart", nil),
		NewCmdLabNode(f, "wipe", nil),
		NewCmdLabDown(f, nil),
		newCmdLabContainerInit(),
	)
	return cmd
}

// defaultLabDir is $XDG_RUNTIME_DIR/tailos-lab, else /run/tailos-lab.
func defaultLabDir(f *Factory) string {
	if d, ok := f.LookupEnv("XDG_RUNTIME_DIR"); ok && d != "" {
		return filepath.Join(d, "tailos-lab")
	}
	return "/run/tailos-lab"
}

func addLabDirFlag(f *Factory, cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "dir", defaultLabDir(f), "lab state directory")
}

// labContainerInitCmd is the hidden command a node's container init runs as.
const labContainerInitCmd = "container-init"

func labSelf() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return []string{exe, "lab", labContainerInitCmd}, nil
}
