package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/schematic"
)

// SchematicVerifyOptions are the flags of `tailos schematic verify`.
type SchematicVerifyOptions struct {
	Target string // image reference, config file, or - for a config on stdin
	Store  string
	Output string
	schFactoryFlags
}

// NewCmdSchematicVerify builds `tailos schematic verify`.
func NewCmdSchematicVerify(f *Factory, runF func(*SchematicVerifyOptions) error) *cobra.Command {
	opts := &SchematicVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify IMAGE|CONFIG|-",
		Short: "Tell whether an installer image keeps siderolabs/tailscale across upgrades",
		Long: `verify checks an installer image reference, or the install image of a Talos
machine config (machine.install.image, or UnattendedInstallConfig
installer.image on Talos 1.14), and tells whether installing or upgrading
with it keeps siderolabs/tailscale. The schematic behind a factory image is
looked up in the local store of schematics made with tailos, and with
--online at the factory (GET /schematics/ID).

The empty-schematic installer (what talosctl upgrade uses without --image),
ghcr.io/siderolabs/installer and other non-factory installers are unsafe.

Exit status: 0 safe, 1 not safe or not provable, 2 bad input.`,
		Example: `  tailos schematic verify factory.talos.dev/metal-installer/4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b:v1.14.1
  tailos schematic verify controlplane.yaml
  tailos schematic verify --online worker.yaml -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicVerify(cmd, f, opts)
		},
	}
	schAddStoreFlag(cmd, &opts.Store)
	schAddOutputFlag(cmd, &opts.Output)
	opts.schFactoryFlags.register(cmd)
	return cmd
}

type schVerifyResult struct {
	Safe     bool                `json:"safe"`
	Verdicts []schematic.Verdict `json:"verdicts"`
}

func runSchematicVerify(cmd *cobra.Command, f *Factory, opts *SchematicVerifyOptions) error {
	st, err := schOpenStore(f, opts.Store)
	if err != nil {
		return err
	}
	resolvers := []schematic.Resolver{st}
	if opts.Online {
		c, err := opts.client()
		if err != nil {
			return err
		}
		resolvers = append(resolvers, c)
	}
	ctx := cmd.Context()

	var verdicts []schematic.Verdict
	if isConfigArg(opts.Target) {
		data, name, err := schReadInput(ctx, f, opts.Target)
		if err != nil {
			return err
		}
		verdicts, err = schematic.VerifyConfig(ctx, data, resolvers...)
		if err != nil {
			return BadInput(fmt.Errorf("%s: %w", name, err))
		}
		for i := range verdicts {
			verdicts[i].Source = name + ": " + verdicts[i].Source
		}
	} else {
		v, err := schematic.VerifyImage(ctx, opts.Target, "argument", resolvers...)
		if err != nil {
			return BadInput(fmt.Errorf("%w (and no file of that name exists)", err))
		}
		verdicts = []schematic.Verdict{v}
	}

	safe := true
	for _, v := range verdicts {
		safe = safe && v.Safe
	}
	if opts.Output == "json" {
		if err := schWriteJSON(f.IO.Out, schVerifyResult{Safe: safe, Verdicts: verdicts}); err != nil {
			return err
		}
	} else {
		printVerdicts(f, verdicts)
	}
	if !safe {
		return Findings()
	}
	return nil
}

// isConfigArg tells a config (a file, or - for stdin) from an image reference.
func isConfigArg(arg string) bool {
	if arg == "-" {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil || errors.Is(err, fs.ErrPermission)
}

func printVerdicts(f *Factory, verdicts []schematic.Verdict) {
	out := f.IO.Out
	mark := func(ok bool) string {
		s, code := "UNSAFE", "31"
		if ok {
			s, code = "safe", "32"
		}
		if f.IO.ColorEnabled() {
			return "\x1b[" + code + "m" + s + "\x1b[0m"
		}
		return s
	}
	for _, v := range verdicts {
		image := v.Image
		if image == "" {
			image = "(none)"
		}
		fmt.Fprintf(out, "%s  %s: %s\n", mark(v.Safe), v.Source, image)
		if v.Safe {
			fmt.Fprintf(out, "  schematic %s includes %s (found in %s)\n", v.Ref.SchematicID, tailscaleext.Name, v.ResolvedBy)
		}
		if v.Problem != "" {
			fmt.Fprintf(out, "  problem: %s\n", v.Problem)
		}
		if v.Fix != "" {
			fmt.Fprintf(out, "  fix: %s\n", v.Fix)
		}
		for _, w := range v.Warnings {
			fmt.Fprintf(out, "  warning: %s\n", w)
		}
	}
}
