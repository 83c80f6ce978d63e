//go:build linux

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
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

func runLabUp(ctx context.Context, f *Factory, o *LabUpOptions) (retErr error) {
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
	_, statErr := os.Stat(o.Dir)
	created := os.IsNotExist(statErr)
	// One starter per directory: a concurrent `lab up` stops here, before
	// it touches the winner's log or state.
	release, err := lab.ClaimDir(o.Dir, "launch.lock")
	if err != nil {
		return err
	}
	defer release()
	if _, err := lab.LoadState(o.Dir); err == nil {
		return fmt.Errorf("%s already holds a lab: run `tailos lab down --dir %s` first", o.Dir, o.Dir)
	}
	// A lab that never came up leaves nothing behind (Up removes its own
	// namespaces); the error carries the supervisor log's tail.
	defer func() {
		if _, err := lab.LoadState(o.Dir); err != nil && created && retErr != nil {
			_ = os.RemoveAll(o.Dir)
		}
	}()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"lab", "up", "--foreground", "--dir", o.Dir, "--runtime", o.Runtime, "--tailscale", o.Tailscale,
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
	logPath := filepath.Join(o.Dir, "supervisor.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	sup := exec.Command(exe, args...)
	sup.Stdout, sup.Stderr = logf, logf
	// Its own session: the supervisor outlives this command and its terminal.
	sup.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := sup.Start(); err != nil {
		return fmt.Errorf("starting the lab supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	f.IO.Progress().Step("starting the lab in %s (the first run builds Headscale and Tailscale)", o.Dir)
	deadline := time.After(o.Timeout)
	for {
		if _, err := os.Stat(filepath.Join(o.Dir, readyFile)); err == nil {
			break
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the lab did not come up (%w):\n%s", err, lab.LogTail(logPath, 25))
		case <-deadline:
			_ = sup.Process.Signal(syscall.SIGTERM)
			return fmt.Errorf("the lab was not up after %s; see %s", o.Timeout, logPath)
		case <-time.After(300 * time.Millisecond):
		}
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := lab.Call(sctx, o.Dir, lab.Request{Op: "status"})
	if err != nil {
		return err
	}
	return printLabStatus(f, resp.Status, o.Output)
}

// readyFile appears in the lab directory once every node is Running.
const readyFile = "ready"

// runLabSupervisor brings the lab up in this process and serves its control
// socket; SIGINT/SIGTERM take it down.
func runLabSupervisor(ctx context.Context, f *Factory, o *LabUpOptions) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	self, err := labSelf()
	if err != nil {
		return err
	}
	upCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	start := time.Now()
	l, err := lab.Up(upCtx, lab.Options{
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
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "lab %s up in %s; %d nodes\n", l.ID, time.Since(start).Round(10*time.Millisecond), len(l.Nodes))
	if err := os.WriteFile(filepath.Join(o.Dir, readyFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		_ = l.Down(context.Background())
		return err
	}
	return l.Serve(ctx)
}
