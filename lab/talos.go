//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/client"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/config/config"
	machinecfg "github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"github.com/siderolabs/talos/pkg/machinery/resources/k8s"

	"github.com/tailos/tailos/lab/talosnode"
	"github.com/tailos/tailos/plan"
)

// Runtime names what runs a lab node's Tailscale.
type Runtime string

const (
	// RuntimeTalos boots real Talos v1.14.1 nodes (machined in Talos's
	// container platform mode) that run the extension as ext-tailscale.
	RuntimeTalos Runtime = "talos"
	// RuntimeEmulated starts the extension's container directly, the way
	// the lab reads Talos's extension runner: faster, proves less.
	RuntimeEmulated Runtime = "emulated"
)

// TalosContext is the talosconfig context a lab's talosconfig holds.
const TalosContext = "tailos-lab"

// talosconfigFile is the lab's talosconfig, in the lab directory.
const talosconfigFile = "talosconfig"

// labCAConfigPath is where ext-tailscale sees the lab CA: an
// ExtensionServiceConfig configFile, as a user would mount a private CA.
const labCAConfigPath = LabCAPath

// TalosconfigPath is the lab's talosconfig (Talos runtime only).
func (l *Lab) TalosconfigPath() string { return filepath.Join(l.Dir, talosconfigFile) }

// startTalosNodes generates every node's machine config (machinery's
// controlplane config for the lab cluster plus the node's tailos patch with
// the lab's login server and auth key), writes the talosconfig and boots
// the nodes.
func (l *Lab) startTalosNodes(ctx context.Context) error {
	self, err := l.self()
	if err != nil {
		return err
	}
	if l.cgroupRoot, err = talosnode.CgroupRoot(); err != nil {
		return err
	}
	endpoint := "https://" + l.Nodes[0].Addr.String() + ":6443"
	createdWith := l.opts.CreatedWith
	if createdWith == "" {
		createdWith = talosnode.TalosVersion
	}
	if l.cluster, err = talosnode.NewClusterFor(l.Spec.Cluster.Name, endpoint, createdWith); err != nil {
		return err
	}
	addrs := make([]string, len(l.Nodes))
	for i, n := range l.Nodes {
		addrs[i] = n.Addr.String()
	}
	tc, err := l.cluster.Talosconfig(TalosContext, addrs)
	if err != nil {
		return err
	}
	if err := tc.Save(l.TalosconfigPath()); err != nil {
		return fmt.Errorf("writing the talosconfig: %w", err)
	}
	if err := os.Chmod(l.TalosconfigPath(), 0o600); err != nil {
		return err
	}
	l.talosconfig = tc
	ca, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		return err
	}
	for _, n := range l.Nodes {
		var patches [][]byte
		if !l.opts.NoTailscaleConfig {
			patch, err := l.NodePatch(n, l.AuthKey, string(ca))
			if err != nil {
				return fmt.Errorf("node %s: %w", n.Name, err)
			}
			n.Patch = patch
			patches = append(patches, patch)
		}
		nodeConfig := l.cluster.NodeConfig
		if l.opts.WorkerConfigs && n.Plan.Role == machinecfg.TypeWorker {
			nodeConfig = l.cluster.WorkerConfig
		}
		if n.MachineConfig, err = nodeConfig(patches...); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		n.Talos = talosnode.New(talosnode.Config{
			Name:          n.Name,
			Dir:           n.Dir,
			Rootfs:        l.rootfs,
			Netns:         NetnsPath(n.Netns),
			Cgroup:        l.cgroupPath(n.Name),
			MachineConfig: n.MachineConfig,
			Extensions:    []talosnode.Extension{{Dir: l.extDir}},
			// Talos's resolver forwards to the node's resolv.conf servers:
			// the lab bridge, never anything outside.
			Files: map[string][]byte{"resolv.conf": []byte("nameserver " + headscaleAddr.String() + "\n")},
			Self:  self,
		})
		l.opts.progress("booting Talos %s on %s (%s)", talosnode.TalosVersion, n.Name, n.Addr)
		if err := n.Talos.Boot(); err != nil {
			return err
		}
		if err := l.saveState(); err != nil {
			return err
		}
	}
	return l.waitTalos(ctx)
}

// cgroupPath is a node's cgroup: one tree per lab, so names never clash.
func (l *Lab) cgroupPath(node string) string {
	return filepath.Join(l.cgroupRoot, l.cgroupName(), node)
}

func (l *Lab) cgroupName() string { return "tailos-lab-" + l.ID }

// waitTalos waits until every node's Talos API answers (the stage may
// stay "booting" while kubelet waits for an image the lab cannot pull;
// the tailnet wait that follows proves the rest).
func (l *Lab) waitTalos(ctx context.Context) error {
	for _, n := range l.Nodes {
		if err := l.waitNodeAPI(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (l *Lab) waitNodeAPI(ctx context.Context, n *Node) error {
	c, err := l.TalosClient(ctx, n.Name)
	if err != nil {
		return err
	}
	defer c.Close()
	stage, err := talosnode.WaitAPI(ctx, c, n.Talos, l.opts.ReadyTimeout)
	if err != nil {
		return err
	}
	l.opts.progress("%s: Talos API up, stage %s", n.Name, stage)
	return nil
}

// NodePatch is the node's patch as `tailos gen` writes it, with the lab's
// auth key and login server in its ExtensionServiceConfig environment,
// the lab-only variables after it, and the lab CA as a config file.
func (l *Lab) NodePatch(n *Node, authKey, caPEM string) ([]byte, error) {
	docs := make([]config.Document, 0, len(n.Plan.Documents))
	found := false
	for _, d := range n.Plan.Documents {
		if esc, ok := d.(*extensions.ServiceConfigV1Alpha1); ok && esc.ServiceName == "tailscale" {
			found = true
			c := esc.DeepCopy()
			env := rewriteEnv(c.ServiceEnvironment, authKey, l.Headscale.URL)
			env = append(env, LabEnv...)
			c.ServiceEnvironment = append(env, l.opts.ExtraEnv...)
			c.ServiceConfigFiles = append(c.ServiceConfigFiles, extensions.ConfigFile{ConfigFileContent: caPEM, ConfigFileMountPath: labCAConfigPath})
			d = c
		}
		docs = append(docs, d)
	}
	if !found {
		return nil, fmt.Errorf("the plan has no tailscale ExtensionServiceConfig")
	}
	return plan.EncodeDocuments("", docs)
}

// LabPatch is the part of a node's config only the lab needs, as a patch
// for the tailscale ExtensionServiceConfig: the lab CA as a config file and
// the lab-only variables (LabEnv, Options.ExtraEnv). A config applied to a
// node booted with NoTailscaleConfig needs it next to the tailos patch.
func (l *Lab) LabPatch() ([]byte, error) {
	ca, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		return nil, err
	}
	esc := extensions.NewServicesConfigV1Alpha1()
	esc.ServiceName = "tailscale"
	esc.ServiceEnvironment = append(slices.Clone(LabEnv), l.opts.ExtraEnv...)
	esc.ServiceConfigFiles = []extensions.ConfigFile{{ConfigFileContent: string(ca), ConfigFileMountPath: labCAConfigPath}}
	return plan.EncodeDocuments("", []config.Document{esc})
}

// TalosClient is machinery's Talos API client for one node (all nodes
// when name is empty), through the lab's talosconfig; connections start
// in Headscale's namespace on the lab bridge.
func (l *Lab) TalosClient(ctx context.Context, name string) (*client.Client, error) {
	if l.talosconfig == nil {
		return nil, fmt.Errorf("the lab does not run Talos nodes")
	}
	tc := cloneTalosconfig(l.talosconfig)
	if name != "" {
		n, err := l.Node(name)
		if err != nil {
			return nil, err
		}
		cx := tc.Contexts[TalosContext]
		cx.Endpoints = []string{n.Addr.String()}
		cx.Nodes = []string{n.Addr.String()}
	}
	return talosnode.Client(ctx, tc, l.DialContext)
}

// DialContext opens a TCP connection from the lab bridge (Headscale's
// namespace) to addr.
func (l *Lab) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	var c net.Conn
	err := InNetns(l.Headscale.Netns, func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, "tcp", addr)
		return err
	})
	return c, err
}

func cloneTalosconfig(tc *clientconfig.Config) *clientconfig.Config {
	out := *tc
	out.Contexts = map[string]*clientconfig.Context{}
	for k, v := range tc.Contexts {
		cv := *v
		cv.Endpoints = slices.Clone(v.Endpoints)
		cv.Nodes = slices.Clone(v.Nodes)
		out.Contexts[k] = &cv
	}
	return &out
}

// ApplyConfig applies a machine config to a running node through the
// Talos API (ApplyConfiguration, no reboot), as `talosctl apply-config
// --mode no-reboot` does; the node's next boot keeps it.
func (l *Lab) ApplyConfig(ctx context.Context, name string, cfg []byte) error {
	n, err := l.Node(name)
	if err != nil {
		return err
	}
	c, err := l.TalosClient(ctx, name)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ApplyConfiguration(ctx, &machine.ApplyConfigurationRequest{Data: cfg, Mode: machine.ApplyConfigurationRequest_NO_REBOOT}); err != nil {
		return fmt.Errorf("node %s: apply-config: %w", name, err)
	}
	n.MachineConfig = cfg
	n.Talos.SetMachineConfig(cfg)
	return nil
}

// rebootTalos stops machined and boots the node again; wipe empties
// EPHEMERAL (/var) and STATE first, as a reset does.
func (l *Lab) rebootTalos(ctx context.Context, n *Node, wipe bool) error {
	// Talos counts service starts per boot; the lab counts them all.
	n.startsBefore = l.talosServiceState(ctx, n).Starts
	if err := n.Talos.Stop(talosnode.StopGrace); err != nil {
		return err
	}
	if wipe {
		if err := n.Talos.Wipe(); err != nil {
			return err
		}
	}
	if err := n.Talos.Boot(); err != nil {
		return err
	}
	if err := l.saveState(); err != nil {
		return err
	}
	return l.waitNodeAPI(ctx, n)
}

// stopTalos stops every node in parallel.
func (l *Lab) stopTalos() error {
	if l.cgroupRoot == "" {
		return nil
	}
	errc := make(chan error, len(l.Nodes))
	for _, n := range l.Nodes {
		go func(n *Node) {
			if n.Talos == nil {
				errc <- nil
				return
			}
			errc <- n.Talos.Stop(talosnode.StopGrace)
		}(n)
	}
	var first error
	for range l.Nodes {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	if err := talosnode.RemoveCgroup(filepath.Join(l.cgroupRoot, l.cgroupName()), 10*time.Second); err != nil && first == nil {
		first = err
	}
	return first
}

// TalosService is a service as Talos reports it (`talosctl service NAME`).
type TalosService struct {
	ID      string   `json:"id"`
	State   string   `json:"state"`
	Healthy bool     `json:"healthy"`
	Health  string   `json:"health,omitempty"`
	Events  []string `json:"events,omitempty"` // "State: message", oldest first
}

// ServiceInfo asks a node's Talos about a service (ext-tailscale for the
// extension).
func (l *Lab) ServiceInfo(ctx context.Context, node, id string) (*TalosService, error) {
	c, err := l.TalosClient(ctx, node)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	infos, err := c.ServiceInfo(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("node %s: service %s: %w", node, id, err)
	}
	if len(infos) == 0 || infos[0].Service == nil {
		return nil, fmt.Errorf("node %s: no service %s", node, id)
	}
	si := infos[0].Service
	out := &TalosService{ID: si.Id, State: si.State}
	if h := si.Health; h != nil {
		out.Healthy, out.Health = h.Healthy, h.LastMessage
	}
	if si.Events != nil {
		for _, e := range si.Events.Events {
			out.Events = append(out.Events, e.State+": "+e.Msg)
		}
	}
	return out, nil
}

// talosServiceState is ext-tailscale's state in the shape of the
// emulated runtime's: starts are the "Running" events Talos kept in this
// boot plus those of earlier boots.
func (l *Lab) talosServiceState(ctx context.Context, n *Node) ServiceState {
	st := ServiceState{State: "Unknown", PID: n.Talos.Proc().PID}
	si, err := l.ServiceInfo(ctx, n.Name, "ext-"+l.svcSpec.Name)
	if err != nil {
		st.LastExit = err.Error()
		return st
	}
	st.State = si.State
	st.Starts = n.startsBefore
	for _, e := range si.Events {
		if len(e) >= 8 && e[:8] == "Running:" {
			st.Starts++
		}
	}
	return st
}

// MachineConfigFor renders a machine config for the lab cluster from
// patches, as Up does for each node (machinery's controlplane config plus
// the patches).
func (l *Lab) MachineConfigFor(patches ...[]byte) ([]byte, error) {
	if l.cluster == nil {
		return nil, fmt.Errorf("the lab does not run Talos nodes")
	}
	return l.cluster.NodeConfig(patches...)
}

// NodeIPs are the addresses Talos picked for the kubelet (the NodeIPs
// resource, `talosctl get nodeips`).
func (l *Lab) NodeIPs(ctx context.Context, node string) ([]netip.Addr, error) {
	c, err := l.TalosClient(ctx, node)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r, err := safe.StateGetByID[*k8s.NodeIP](ctx, c.COSI, k8s.KubeletID)
	if err != nil {
		return nil, fmt.Errorf("node %s: nodeips: %w", node, err)
	}
	return r.TypedSpec().Addresses, nil
}

// ServiceLog is the log of a node's extension service: what `talosctl
// logs ext-tailscale` shows (Talos runtime, through the Talos API), or
// the emulated runtime's service log. Auth keys are masked.
func (l *Lab) ServiceLog(ctx context.Context, name string) (string, error) {
	n, err := l.Node(name)
	if err != nil {
		return "", err
	}
	if n.Talos == nil {
		data, err := os.ReadFile(n.LogPath())
		return MaskLog(string(data)), err
	}
	c, err := l.TalosClient(ctx, name)
	if err != nil {
		return "", err
	}
	defer c.Close()
	stream, err := c.Logs(ctx, constants.SystemContainerdNamespace, common.ContainerDriver_CONTAINERD, "ext-"+l.svcSpec.Name, false, -1)
	if err != nil {
		return "", fmt.Errorf("node %s: logs: %w", name, err)
	}
	var b strings.Builder
	for {
		d, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return MaskLog(b.String()), fmt.Errorf("node %s: logs: %w", name, err)
		}
		b.Write(d.Bytes)
	}
	return MaskLog(b.String()), nil
}
