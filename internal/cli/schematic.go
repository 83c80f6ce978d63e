package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/secret"
)

// NewCmdSchematic groups the Image Factory schematic commands.
func NewCmdSchematic(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schematic",
		Short: "Image Factory schematics: exact IDs, asset URLs, upgrade safety, factory API",
		Long: `schematic works with Talos Image Factory schematics. IDs are computed offline,
exactly as the factory computes them; asset URLs and installer images are
derived from the factory's platform table; verify tells whether an installer
image keeps siderolabs/tailscale across upgrades.

Nothing touches the network unless --online is given.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdSchematicID(f, nil),
		NewCmdSchematicNew(f, nil),
		NewCmdSchematicURLs(f, nil),
		NewCmdSchematicVerify(f, nil),
		NewCmdSchematicCreate(f, nil),
		NewCmdSchematicGet(f, nil),
		NewCmdSchematicVersions(f, nil),
		NewCmdSchematicExtensions(f, nil),
	)
	return cmd
}

// schFactoryFlags are shared by the commands that may reach a factory.
type schFactoryFlags struct {
	Factory string
	Online  bool
	Timeout time.Duration
}

func (ff *schFactoryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&ff.Factory, "factory", imagefactory.DefaultURL, "Image Factory base URL (self-hosted factories)")
	cmd.Flags().BoolVar(&ff.Online, "online", false, "allow network requests to the factory")
	cmd.Flags().DurationVar(&ff.Timeout, "timeout", schematic.DefaultTimeout, "bound on each factory request")
}

func (ff *schFactoryFlags) client() (*schematic.Client, error) {
	c, err := schematic.NewClient(ff.Factory, ff.Timeout)
	if err != nil {
		return nil, BadInput(err)
	}
	return c, nil
}

// errOffline explains why nothing was asked of the factory.
func (ff *schFactoryFlags) errOffline(what string) error {
	return BadInput(fmt.Errorf("offline: %s needs the factory; pass --online to ask %s", what, ff.Factory))
}

func schAddOutputFlag(cmd *cobra.Command, out *string) {
	cmd.Flags().StringVarP(out, "output", "o", "text", "output format: text or json")
}

func schCheckOutput(out string) error {
	if out != "text" && out != "json" {
		return BadInput(fmt.Errorf("invalid --output %q: text or json", out))
	}
	return nil
}

func schAddStoreFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "store", "", "directory of schematics created with tailos (default $XDG_CONFIG_HOME/tailos/schematics)")
}

func schOpenStore(f *Factory, dir string) (schematic.Store, error) {
	if dir != "" {
		return schematic.Store{Dir: dir}, nil
	}
	d, err := schematic.DefaultStoreDir(f.LookupEnv)
	if err != nil {
		return schematic.Store{}, BadInput(err)
	}
	return schematic.Store{Dir: d}, nil
}

// schSave keeps s in the local store (dir, or the default one) and returns
// the file it wrote.
func schSave(f *Factory, dir string, s *schematic.Schematic) (string, error) {
	st, err := schOpenStore(f, dir)
	if err != nil {
		return "", err
	}
	_, path, err := st.Save(s)
	return path, err
}

// schReadInput reads FILE, or stdin for "-" or no argument.
func schReadInput(ctx context.Context, f *Factory, arg string) (data []byte, name string, err error) {
	if arg == "" || arg == "-" {
		data, err = userfile.ReadStream(ctx, f.IO.In, "<stdin>", userfile.ConfigLimit)
		if err != nil {
			return nil, "", BadInput(fmt.Errorf("reading stdin: %w", err))
		}
		return data, "<stdin>", nil
	}
	data, err = userfile.Read(arg, userfile.ConfigLimit)
	if err != nil {
		return nil, "", BadInput(err)
	}
	return data, arg, nil
}

// schLoad reads and strictly parses a schematic file; errors name
// the file and line.
func schLoad(ctx context.Context, f *Factory, arg string) (*schematic.Schematic, error) {
	data, name, err := schReadInput(ctx, f, arg)
	if err != nil {
		return nil, err
	}
	s, err := schematic.Parse(data)
	if err != nil {
		var errs schematic.Errors
		if errors.As(err, &errs) {
			return nil, BadInput(errs.WithFile(name))
		}
		return nil, BadInput(fmt.Errorf("%s: %w", name, err))
	}
	return s, nil
}

// schIDResult is the JSON shape of a schematic, as the factory answers POST
// /schematics: the ID and the canonical YAML.
type schIDResult struct {
	ID        string `json:"id"`
	Schematic string `json:"schematic"`
}

func newSchIDResult(s *schematic.Schematic) (schIDResult, error) {
	data, err := s.Marshal()
	if err != nil {
		return schIDResult{}, err
	}
	id, err := s.ID()
	if err != nil {
		return schIDResult{}, err
	}
	return schIDResult{ID: id, Schematic: string(data)}, nil
}

func schWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// schWarnOwner explains an owner field: only an authenticated enterprise
// factory assigns such IDs.
func schWarnOwner(f *Factory, s *schematic.Schematic) {
	if s.Owner != "" {
		fmt.Fprintf(f.IO.ErrOut, "warning: owner %q is set: only an enterprise factory with authentication assigns this ID (it sets owner itself); factory.talos.dev rejects a schematic with an owner\n", s.Owner)
	}
}

// schShow returns schematic text safe to print: tailnet keys are masked,
// with a warning, since a factory serves a schematic to anyone with its ID.
func schShow(f *Factory, text string) string {
	masked := secret.Mask(text)
	if masked != text {
		fmt.Fprintln(f.IO.ErrOut, "warning: the schematic holds a tailnet key (masked here); the factory serves a schematic to anyone who knows its ID, so keep keys in the machine config (ExtensionServiceConfig), not in the schematic")
	}
	return masked
}
