package lint

import (
	"fmt"
	"sync"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/constants"

	"github.com/tailos/tailos/talosconf"
)

// standIn generates the base configs patches are applied to when the user
// gives none. Its secrets are never used, so the Kubernetes service-account
// key is ECDSA (a millisecond) rather than the contract's RSA (hundreds of
// milliseconds, nearly all of a check run otherwise).
type standIn struct {
	input *generate.Input

	mu    sync.Mutex
	bases map[machine.Type]config.Provider
}

func newStandIn(version, cluster, endpoint string) (*standIn, error) {
	contract, err := talosconf.Contract(version)
	if err != nil {
		return nil, err
	}
	bundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract, secrets.WithECDSAServiceAccountKey())
	if err != nil {
		return nil, fmt.Errorf("stand-in base: generating secrets: %w", err)
	}
	in, err := generate.NewInput(cluster, endpoint, constants.DefaultKubernetesVersion,
		generate.WithVersionContract(contract),
		generate.WithSecretsBundle(bundle),
		generate.WithInstallDisk("/dev/sda"),
	)
	if err != nil {
		return nil, fmt.Errorf("stand-in base: %w", err)
	}
	return &standIn{input: in, bases: map[machine.Type]config.Provider{}}, nil
}

// Base returns a fresh copy of the stand-in config for a role.
func (s *standIn) Base(role machine.Type) (config.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cfg, ok := s.bases[role]; ok {
		return cfg.Clone(), nil
	}
	cfg, err := s.input.Config(role)
	if err != nil {
		return nil, fmt.Errorf("stand-in base for %s: %w", role, err)
	}
	s.bases[role] = cfg
	return cfg.Clone(), nil
}
