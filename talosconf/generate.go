package talosconf

import (
	"fmt"
	"sync"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

// BaseOptions describe the base config `talosctl gen config` would produce.
type BaseOptions struct {
	ClusterName       string
	Endpoint          string // https://host:6443
	TalosVersion      string // e.g. v1.14.1; empty = DefaultTalosVersion
	KubernetesVersion string // empty = machinery's default
	InstallDisk       string // empty = /dev/sda (metal mode needs one)
}

// Generator produces base configs for one cluster. Secrets are generated
// once and shared by every config, as one `talosctl gen config` run would,
// which also keeps verifying a hundred nodes cheap.
type Generator struct {
	input *generate.Input

	mu    sync.Mutex
	bases map[machine.Type]config.Provider
}

// NewGenerator prepares base-config generation for a cluster.
func NewGenerator(opts BaseOptions) (*Generator, error) {
	if opts.TalosVersion == "" {
		opts.TalosVersion = DefaultTalosVersion
	}
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = constants.DefaultKubernetesVersion
	}
	if opts.InstallDisk == "" {
		opts.InstallDisk = "/dev/sda"
	}
	if opts.ClusterName == "" || opts.Endpoint == "" {
		return nil, fmt.Errorf("base config: cluster name and endpoint are required")
	}
	contract, err := Contract(opts.TalosVersion)
	if err != nil {
		return nil, err
	}
	// An ECDSA service-account key instead of the 4096-bit RSA one saves
	// seconds per cluster; the base only stands in for the user's config,
	// and validation does not depend on the key type.
	bundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract, secrets.WithECDSAServiceAccountKey())
	if err != nil {
		return nil, fmt.Errorf("base config: generating secrets: %w", err)
	}
	in, err := generate.NewInput(opts.ClusterName, opts.Endpoint, opts.KubernetesVersion,
		generate.WithVersionContract(contract),
		generate.WithSecretsBundle(bundle),
		generate.WithInstallDisk(opts.InstallDisk),
	)
	if err != nil {
		return nil, fmt.Errorf("base config: %w", err)
	}
	return &Generator{input: in, bases: map[machine.Type]config.Provider{}}, nil
}

// Base returns a fresh copy of the base config for a role.
func (g *Generator) Base(role machine.Type) (config.Provider, error) {
	cfg, err := g.Shared(role)
	if err != nil {
		return nil, err
	}
	return cfg.Clone(), nil
}

// Shared returns the base config for a role itself, the one every call
// returns: callers must not modify it. Patching does not: ApplyPatches
// merges into a copy (and a JSON patch into a config read back from
// bytes), so verifying a thousand nodes needs no copy of its own.
func (g *Generator) Shared(role machine.Type) (config.Provider, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cfg, ok := g.bases[role]; ok {
		return cfg, nil
	}
	cfg, err := g.input.Config(role)
	if err != nil {
		return nil, fmt.Errorf("base config for %s: %w", role, err)
	}
	g.bases[role] = cfg
	return cfg, nil
}

// Base is a one-shot NewGenerator + Base.
func Base(opts BaseOptions, role machine.Type) (config.Provider, error) {
	g, err := NewGenerator(opts)
	if err != nil {
		return nil, err
	}
	return g.Base(role)
}

// ParseRole maps the spec's role names to machinery's machine types.
func ParseRole(role string) (machine.Type, error) {
	switch role {
	case "controlplane", "control-plane":
		return machine.TypeControlPlane, nil
	case "worker":
		return machine.TypeWorker, nil
	}
	return machine.TypeUnknown, fmt.Errorf("unknown role %q (want controlplane or worker)", role)
}
