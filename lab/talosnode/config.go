//go:build linux

package talosnode

import (
	"fmt"
	"time"

	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"github.com/tailos/tailos/talosconf"
)

// Cluster generates the machine configs and the talosconfig of one lab
// cluster, as one `talosctl gen config` run does: one secrets bundle.
type Cluster struct {
	input *generate.Input
}

// NewCluster prepares config generation for a cluster whose Kubernetes
// endpoint is endpoint (https://host:6443), for Talos TalosVersion.
func NewCluster(name, endpoint string) (*Cluster, error) {
	return NewClusterFor(name, endpoint, TalosVersion)
}

// NewClusterFor is NewCluster with configs in the shape tooling of Talos
// version makes (e.g. v1.13.0: install, kubelet and sysctls in v1alpha1),
// as a cluster set up before an upgrade to 1.14 has them.
func NewClusterFor(name, endpoint, version string) (*Cluster, error) {
	contract, err := config.ParseContractFromVersion(version)
	if err != nil {
		return nil, err
	}
	bundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract, secrets.WithECDSAServiceAccountKey())
	if err != nil {
		return nil, fmt.Errorf("generating cluster secrets: %w", err)
	}
	in, err := generate.NewInput(name, endpoint, constants.DefaultKubernetesVersion,
		generate.WithVersionContract(contract),
		generate.WithSecretsBundle(bundle),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	return &Cluster{input: in}, nil
}

// NodeConfig returns the machine config a lab node boots: machinery's
// controlplane config for the cluster, then patches in order (as
// `talosctl gen config --config-patch` applies them), minus cluster.etcd,
// validated as Talos validates it in container mode.
func (c *Cluster) NodeConfig(patches ...[]byte) ([]byte, error) {
	return c.nodeConfig(machine.TypeControlPlane, true, patches...)
}

// WorkerConfig is NodeConfig from machinery's worker config: a node with
// no etcd (so no EtcdSpec) and no trustd, as a real cluster's workers.
func (c *Cluster) WorkerConfig(patches ...[]byte) ([]byte, error) {
	return c.nodeConfig(machine.TypeWorker, true, patches...)
}

// UncheckedNodeConfig is NodeConfig without validation: what a node's
// own validation must refuse (tests of what Talos rejects).
func (c *Cluster) UncheckedNodeConfig(patches ...[]byte) ([]byte, error) {
	return c.nodeConfig(machine.TypeControlPlane, false, patches...)
}

func (c *Cluster) nodeConfig(t machine.Type, validate bool, patches ...[]byte) ([]byte, error) {
	base, err := c.input.Config(t)
	if err != nil {
		return nil, fmt.Errorf("%s config: %w", t, err)
	}
	cfg, err := talosconf.Apply(base, patches...)
	if err != nil {
		return nil, err
	}
	// Without an etcd section Talos does not start etcd, which would wait
	// for an image that can never be pulled here (the boot would abort at
	// its timeout); an etcd section without its CA does not validate.
	if raw := cfg.RawV1Alpha1(); raw != nil && raw.ClusterConfig != nil {
		raw.ClusterConfig.EtcdConfig = nil
	} else {
		return nil, fmt.Errorf("controlplane config without a cluster section")
	}
	if !validate {
		return cfg.EncodeBytes()
	}
	if _, err := cfg.ValidateAsClient(containerMode{}); err != nil {
		return nil, fmt.Errorf("machine config: %w", err)
	}
	return cfg.EncodeBytes()
}

// Talosconfig is the client config for the cluster, with endpoints and
// nodes set, under context name.
func (c *Cluster) Talosconfig(name string, endpoints []string) (*clientconfig.Config, error) {
	tc, err := c.input.Talosconfig()
	if err != nil {
		return nil, err
	}
	ctx := tc.Contexts[tc.Context]
	delete(tc.Contexts, tc.Context)
	ctx.Endpoints = endpoints
	ctx.Nodes = endpoints
	tc.Contexts[name] = ctx
	tc.Context = name
	return tc, nil
}

// containerMode is the validation mode of a node in Talos's container
// platform mode.
type containerMode struct{}

func (containerMode) String() string        { return "container" }
func (containerMode) RequiresInstall() bool { return false }
func (containerMode) InContainer() bool     { return true }
