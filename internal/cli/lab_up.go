//go:build linux

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/extension"
	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/talosnode"
	"github.com/tailos/tailos/spec"
)

// LabUpOptions are the flags of `tailos lab up`.
type LabUpOptions struct {
	Dir         string
	SpecFile    string
	Nodes       int
	UnderlayMTU int
	MTU         string
	Extension   string
	Foreground  bool
	Timeout     time.Duration
	Output      string
	Runtime     string
	Tailscale   string
}

// NewCmdLabUp builds `tailos lab up`.
func NewCmdLabUp(f *Factory, runF func(*LabUpOptions) error) *cobra.Command {
	opts := &LabUpOptions{}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start a lab: Headscale and N real Talos nodes running the Tailscale extension",
		Long: `up builds what it needs once (Headscale v0.27.0, the Tailscale extension, and
Talos ` + talosnode.TalosVersion + `'s machined with containerd ` + talosnode.ContainerdVersion + ` and runc, cached),
creates the namespaces, starts Headscale with the policy tailos generates, and
boots every node of the spec (-f) or of a built-in spec with nodes
node-1…node-N: machined in Talos's container platform mode with machinery's
controlplane config plus the patch tailos generates for the node. It writes a
talosconfig (context tailos-lab) into the lab directory and returns when every
node is on the tailnet; a supervisor process keeps the lab alive until
"tailos lab down".

The lab rewrites only the login server and the auth key of the generated
environment. It adds lab-only variables (SSL_CERT_FILE for its throwaway CA,
TS_NO_LOGS_NO_SUPPORT=true) because its Headscale has no Internet around it.
--runtime emulated runs the extension's container alone instead of Talos.`,
		Example: `  sudo tailos lab up --nodes 3
  sudo tailos lab up -f tailos.yaml --underlay-mtu 1400
  sudo tailos lab status -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Nodes < 1 || opts.Nodes > 200 {
				return BadInput(fmt.Errorf("invalid --nodes %d: 1–200", opts.Nodes))
			}
			if opts.UnderlayMTU != 0 && (opts.UnderlayMTU < 1280 || opts.UnderlayMTU > 65535) {
				return BadInput(fmt.Errorf("invalid --underlay-mtu %d: 1280–65535", opts.UnderlayMTU))
			}
			if opts.SpecFile != "" {
				if _, err := os.Stat(opts.SpecFile); err != nil {
					return BadInput(err)
				}
				// Refuse a bad spec here, with file:line, before anything starts.
				if _, err := spec.Load(opts.SpecFile); err != nil {
					return BadInput(err)
				}
				if cmd.Flags().Changed("nodes") {
					return BadInput(errors.New("--nodes applies to the built-in spec only, not with -f"))
				}
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if _, err := extension.NormalizeVersion(opts.Tailscale); err != nil {
				return BadInput(fmt.Errorf("--tailscale: %w", err))
			}
			if opts.Runtime != string(lab.RuntimeTalos) && opts.Runtime != string(lab.RuntimeEmulated) {
				return BadInput(fmt.Errorf("invalid --runtime %q: %s or %s", opts.Runtime, lab.RuntimeTalos, lab.RuntimeEmulated))
			}
			if runF != nil {
				return runF(opts)
			}
			return runLabUp(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.SpecFile, "file", "f", "", "tailos.yaml to run (default: a built-in spec)")
	cmd.Flags().IntVar(&opts.Nodes, "nodes", 2, "number of nodes of the built-in spec")
	cmd.Flags().IntVar(&opts.UnderlayMTU, "underlay-mtu", 0, "MTU of every lab link (default: the spec's underlayMTU, else 1500)")
	cmd.Flags().StringVar(&opts.MTU, "mtu", "auto", `built-in spec's tailnet.mtu: auto, a number, or "default" (Tailscale's 1280)`)
	cmd.Flags().StringVar(&opts.Extension, "extension", "", "the extension: an unpacked directory, OCI layout (oci-layout:DIR or a directory) or image tarball (default: build tailscale "+lab.TailscaleVersion+")")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "how long up may take, builds included")
	cmd.Flags().BoolVar(&opts.Foreground, "foreground", false, "run the lab in this process until interrupted")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&opts.Tailscale, "tailscale", lab.TailscaleVersion, "tailscale.com release of the default extension (older ones stay selectable, e.g. 1.96.5)")
	cmd.Flags().StringVar(&opts.Runtime, "runtime", string(lab.RuntimeTalos), "what runs the nodes: talos (real Talos "+talosnode.TalosVersion+" nodes) or emulated (the extension's container alone)")
	addLabDirFlag(f, cmd, &opts.Dir)
	return cmd
}

func checkOutput(o string) error {
	if o != "text" && o != "json" {
		return BadInput(fmt.Errorf("invalid --output %q: text or json", o))
	}
	return nil
}

func runLabUp(ctx context.Context, f *Factory, o *LabUpOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// Nothing starts on a machine that lacks what the lab needs.
	if err := lab.Preflight(lab.Runtime(o.Runtime)); err != nil {
		return BadInput(err)
	}
	if o.Foreground {
		return runLabSupervisor(ctx, f, o)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{exe, "lab", "up", "--foreground", "--dir", o.Dir, "--runtime", o.Runtime, "--tailscale", o.Tailscale,
		"--underlay-mtu", strconv.Itoa(o.UnderlayMTU), "--mtu", o.MTU, "--timeout", o.Timeout.String()}
	if o.SpecFile == "" {
		args = append(args, "--nodes", strconv.Itoa(o.Nodes))
	} else {
		abs, err := filepath.Abs(o.SpecFile)
		if err != nil {
			return err
		}
		args = append(args, "-f", abs)
	}
	if o.Extension != "" {
		ext := o.Extension
		// A local path is resolved here; anything else is an image reference.
		if _, err := os.Stat(ext); err == nil {
			if ext, err = filepath.Abs(ext); err != nil {
				return err
			}
		}
		args = append(args, "--extension", ext)
	}
	st, err := lab.Start(ctx, lab.StartOptions{
		Options:    lab.Options{Dir: o.Dir, Progress: f.IO.Progress().Step},
		Timeout:    o.Timeout,
		Supervisor: args,
	})
	if err != nil {
		return err
	}
	return printLabStatus(f, st, o.Output)
}

// runLabSupervisor brings the lab up in this process and serves its control
// socket; SIGINT/SIGTERM take it down.
func runLabSupervisor(ctx context.Context, f *Factory, o *LabUpOptions) error {
	self, err := labSelf()
	if err != nil {
		return err
	}
	return lab.Supervise(ctx, lab.Options{
		Dir:         o.Dir,
		SpecFile:    o.SpecFile,
		Nodes:       o.Nodes,
		UnderlayMTU: o.UnderlayMTU,
		MTU:         o.MTU,
		Extension:   o.Extension,
		Runtime:     lab.Runtime(o.Runtime),
		Tailscale:   o.Tailscale,
		Self:        self,
		Progress:    func(format string, a ...any) { fmt.Fprintf(f.IO.ErrOut, format+"\n", a...) },
	}, o.Timeout)
}
