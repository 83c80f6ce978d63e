//go:build linux

package doctor_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/types/k8s"
	"github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/lab"
)

// managementSpec is the lab's built-in spec in management mode with every
// node a control plane, so gen pins both kubelet and etcd to the LAN on
// each of them.
func managementSpec(t *testing.T, nodes int) string {
	t.Helper()
	s := lab.BuiltinSpec(nodes, 1500, "auto", true)
	s = bytes.Replace(s, []byte("mode: cluster-network"), []byte("mode: management"), 1)
	s = bytes.ReplaceAll(s, []byte("role: worker"), []byte("role: controlplane"))
	p := filepath.Join(t.TempDir(), "tailos.yaml")
	if err := os.WriteFile(p, s, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// openKubelet is a node's planned documents with the kubelet's valid
// subnets opened to 0.0.0.0/0: what a config copied from a single-homed
// cluster does once Tailscale adds tailscale0.
func openKubelet(docs []config.Document) []config.Document {
	open := []string{"0.0.0.0/0"}
	out := make([]config.Document, len(docs))
	for i, d := range docs {
		switch d := d.(type) {
		case *k8s.KubeNodeConfigV1Alpha1:
			c := d.DeepCopy()
			c.NodeIPConfig.NodeIPValidSubnets = open
			out[i] = c
		case *v1alpha1.Config:
			c := d.DeepCopy()
			if c.MachineConfig != nil && c.MachineConfig.MachineKubelet != nil && c.MachineConfig.MachineKubelet.KubeletNodeIP != nil {
				c.MachineConfig.MachineKubelet.KubeletNodeIP.KubeletNodeIPValidSubnets = open
			}
			out[i] = c
		default:
			out[i] = d
		}
	}
	return out
}

// In management mode the kubelet belongs on the LAN. With gen's pin it is;
// opened to 0.0.0.0/0 on node-2 through the Talos API (no reboot), Talos
// moves it to node-2's 100.64.0.0/10 address (it sorts addresses
// numerically) and doctor, given the management-mode spec, fails
// kubelet.nodeip on node-2 only.
//
// etcd does not run in the lab (its image cannot be pulled here, so the lab
// drops cluster.etcd and with it gen's advertisedSubnets pin), but Talos
// still computes the EtcdSpec a control plane would start etcd with: with
// no pin it advertises the node's tailnet address, the trap itself, and
// doctor must fail etcd.addresses on every node, naming that node's own
// tailnet address.
func TestE2EManagementModeNodeIPOnTailnet(t *testing.T) {
	tl := upTalosLab(t, lab.Options{SpecFile: managementSpec(t, 2)})
	n2 := tl.nodes[1]
	for _, n := range tl.nodes {
		tl.waitFor(t, n, doctor.IDNodeIP, doctor.OK, "on the LAN", time.Minute)
	}
	rep, _ := tl.doctor(t)
	for i, n := range tl.Nodes {
		st, err := tl.TailscaleStatus(context.Background(), n.Name)
		if err != nil {
			t.Fatal(err)
		}
		addr := ""
		for _, a := range st.TailscaleIPs {
			if a.Is4() {
				addr = a.String()
			}
		}
		c := check(t, rep, tl.nodes[i], doctor.IDEtcd)
		if c.Status != doctor.Fail || addr == "" || !strings.Contains(c.Message, "tailnet address "+addr+" ") {
			t.Errorf("%s: %s is %s %q, want fail naming its tailnet address %q", n.Name, c.ID, c.Status, c.Message, addr)
		}
	}

	node, err := tl.Node("node-2")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(tl.Headscale.CA)
	if err != nil {
		t.Fatal(err)
	}
	opened := *node
	opened.Plan.Documents = openKubelet(node.Plan.Documents)
	patch, err := tl.NodePatch(&opened, tl.AuthKey, string(ca))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(patch, []byte("0.0.0.0/0")) {
		t.Fatalf("the patch does not open the subnets:\n%s", patch)
	}
	cfg, err := tl.MachineConfigFor(patch)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tl.ApplyConfig(ctx, "node-2", cfg); err != nil {
		t.Fatal(err)
	}

	rep = tl.waitFor(t, n2, doctor.IDNodeIP, doctor.Fail, "100.64.", 90*time.Second)
	others(t, rep, n2, doctor.IDNodeIP)
	ips, err := tl.NodeIPs(ctx, "node-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) == 0 || !doctor.IsTailnetAddr(ips[0]) {
		t.Errorf("Talos's NodeIPs on node-2 is %v, want its tailnet address", ips)
	}
}
