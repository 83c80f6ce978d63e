package talosapi

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

// Options are talosctl's connection flags.
type Options struct {
	// Talosconfig is --talosconfig; empty follows talosctl's search order.
	Talosconfig string
	// Context is --context; empty is the talosconfig's current context.
	Context string
	// Endpoints is -e/--endpoints; empty is the context's endpoints.
	Endpoints []string
	// Nodes is -n/--nodes; empty is the context's nodes.
	Nodes []string
	// LookupEnv reads $TALOSCONFIG, $TALOS_HOME and $HOME (nil: os.LookupEnv).
	LookupEnv func(string) (string, bool)
}

func (o Options) lookup(k string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(k)
	}
	return os.LookupEnv(k)
}

// ConfigPath resolves the talosconfig the way talosctl does: --talosconfig,
// then $TALOSCONFIG, then $TALOS_HOME/config or ~/.talos/config, then the
// in-cluster service-account path. Unlike clientconfig.Open it never
// creates a file: a diagnostic tool must not leave an empty config behind.
func ConfigPath(o Options) (string, error) {
	if o.Talosconfig != "" {
		return o.Talosconfig, nil
	}
	var candidates []string
	if p, ok := o.lookup(constants.TalosConfigEnvVar); ok && p != "" {
		candidates = append(candidates, p)
	}
	dir := ""
	if p, ok := o.lookup(constants.TalosHomeEnvVar); ok && filepath.IsAbs(p) {
		dir = p
	} else if home, ok := o.lookup("HOME"); ok && home != "" {
		dir = filepath.Join(home, constants.TalosDir)
	}
	if dir != "" {
		candidates = append(candidates, filepath.Join(dir, constants.TalosconfigFilename))
	}
	candidates = append(candidates, filepath.Join(constants.ServiceAccountMountPath, constants.TalosconfigFilename))
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no talosconfig: tried %s; pass --talosconfig or set $%s", strings.Join(candidates, ", "), constants.TalosConfigEnvVar)
}

// Resolved is a talosconfig with the flags applied: the context to use and
// the endpoints and nodes it names.
type Resolved struct {
	Path      string
	Config    *clientconfig.Config
	Context   string
	Endpoints []string
	Nodes     []string
}

// Resolve reads the talosconfig and applies --context, -e and -n. With no
// nodes anywhere Nodes is empty: requests then go to an endpoint itself,
// without node metadata, as talosctl does.
func Resolve(o Options) (*Resolved, error) {
	path, err := ConfigPath(o)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("talosconfig: %w", err)
	}
	defer f.Close()
	cfg, err := clientconfig.ReadFrom(f)
	if err != nil {
		return nil, fmt.Errorf("talosconfig %s: %w", path, err)
	}
	name := o.Context
	if name == "" {
		name = cfg.Context
	}
	if name == "" {
		return nil, fmt.Errorf("talosconfig %s: no current context; pass --context (known: %s)", path, contextNames(cfg))
	}
	ctx, ok := cfg.Contexts[name]
	if !ok {
		return nil, fmt.Errorf("talosconfig %s: context %q is not defined (known: %s)", path, name, contextNames(cfg))
	}
	r := &Resolved{Path: path, Config: cfg, Context: name, Endpoints: splitList(o.Endpoints), Nodes: splitList(o.Nodes)}
	if len(r.Endpoints) == 0 {
		r.Endpoints = slices.Clone(ctx.Endpoints)
	}
	if len(r.Endpoints) == 0 {
		return nil, fmt.Errorf("talosconfig %s: context %q has no endpoints; pass -e/--endpoints", path, name)
	}
	if len(r.Nodes) == 0 {
		r.Nodes = slices.Clone(ctx.Nodes)
	}
	return r, nil
}

// splitList accepts repeated flags and comma lists (-n a,b -n c), as
// talosctl's string slices do.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func contextNames(cfg *clientconfig.Config) string {
	names := make([]string, 0, len(cfg.Contexts))
	for n := range cfg.Contexts {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
