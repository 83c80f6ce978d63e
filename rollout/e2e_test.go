//go:build linux

package rollout_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/labtest"
	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/rollout"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosconf"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// bareLab is a lab of real Talos nodes booted without any Tailscale config.
type bareLab struct {
	*lab.Lab
	client *client.Client
	api    *tailnet.Headscale
	addrs  []string
	// labPatch is what only the lab needs (its CA, no log upload).
	labPatch []byte
}

// labSpec is the lab's built-in spec with every node a worker and no
// tailnet routes accepted. The lab's nodes run control-plane configs with no
// etcd section (Talos's etcd image cannot be pulled here), and a node
// refuses an etcd patch without etcd's CA; accepting routes while
// advertising the pod CIDR is a finding of its own (TS101).
func labSpec(t *testing.T, dir string, nodes int) string {
	t.Helper()
	data := strings.ReplaceAll(string(lab.BuiltinSpec(nodes, 1500, "auto", true)), "role: controlplane", "role: worker")
	data = strings.ReplaceAll(data, "acceptRoutes: true", "acceptRoutes: false")
	path := filepath.Join(dir, "tailos.yaml")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func upBare(t *testing.T, createdWith string) *bareLab {
	t.Helper()
	labtest.Need(t)
	dir := labtest.Dir(t)
	l := labtest.Up(t, lab.Options{
		Dir: dir, SpecFile: labSpec(t, filepath.Dir(dir), 2), Nodes: 2,
		CreatedWith: createdWith, NoTailscaleConfig: true,
	}, 10*time.Minute)
	bl := &bareLab{Lab: l, client: labtest.TalosClient(t, l), api: labtest.TailnetAPI(t, l)}
	for _, n := range l.Nodes {
		bl.addrs = append(bl.addrs, n.Addr.String())
	}
	var err error
	if bl.labPatch, err = l.LabPatch(); err != nil {
		t.Fatal(err)
	}
	return bl
}

func (bl *bareLab) request(extra ...[]byte) rollout.Request {
	return rollout.Request{
		Spec: bl.Spec, Client: bl.client,
		LookupEnv: func(k string) (string, bool) {
			if k == "TS_AUTHKEY" {
				return bl.AuthKey, true
			}
			return "", false
		},
		ExtraPatches: append([][]byte{bl.labPatch}, extra...),
		Tailnet:      bl.api,
		WaitTimeout:  3 * time.Minute,
	}
}

// labOnly are the findings the lab cannot avoid: its nodes' control-plane
// configs carry no etcd section, so etcd's advertisedSubnets stay unset.
var labOnly = map[string]bool{"config.TS061": true}

// doctorAllOK waits (bounded) until doctor finds every check ok on every
// node, tailnet included (Headscale approves node-1's routes shortly after
// it advertises them), but for the lab-only findings.
func (bl *bareLab) doctorAllOK(t *testing.T) {
	t.Helper()
	p, err := plan.Build(bl.Spec, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		rep, _ := doctor.Run(ctx, bl.client, bl.addrs, doctor.Options{Expect: doctor.ExpectFromPlan(p), Tailnet: bl.api, NodeTimeout: 30 * time.Second})
		cancel()
		ok, other := 0, 0
		for _, n := range rep.Nodes {
			if n.Error != "" {
				other++
			}
			for _, c := range n.Checks {
				switch {
				case c.Status == doctor.OK:
					ok++
				case !labOnly[c.ID]:
					other++
				}
			}
		}
		if ok > 0 && other == 0 {
			t.Logf("doctor: %d checks ok on %d nodes (summary %+v)", ok, len(rep.Nodes), rep.Summary)
			return
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			_ = doctor.WriteText(&b, rep, false)
			t.Fatalf("doctor is not all ok:\n%s", b.String())
		}
		time.Sleep(3 * time.Second)
	}
}

// liveBaseShape: the bases gen --from-cluster reads from the live nodes
// have the nodes' shape and none of tailos's own service config. (gen's
// metal-mode verification cannot run on them: the lab's control-plane
// configs have no etcd section.)
func (bl *bareLab) liveBaseShape(t *testing.T, ctx context.Context, shape string) {
	t.Helper()
	bases, err := rollout.LiveBases(ctx, bl.client, bl.Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(bases) != 1 || !strings.Contains(bases[0].Name, "node-1 (198.18.0.11)") {
		t.Fatalf("bases %v, want node-1's (every spec node is a worker)", bases)
	}
	cfg, err := configloader.NewFromBytes(bases[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	target, err := talosconf.ShapeOfVersion("v1.14.1")
	if err != nil {
		t.Fatal(err)
	}
	if got := talosconf.ShapeOfConfigs(target, cfg).Name(); got != shape {
		t.Errorf("live base has shape %s, want %s", got, shape)
	}
	if strings.Contains(string(bases[0].Data), "TS_AUTHKEY") || strings.Contains(string(bases[0].Data), bl.AuthKey) {
		t.Error("the live base keeps tailos's ExtensionServiceConfig")
	}
}

// notOnTailnet asserts no node has a tailnet address.
func (bl *bareLab) notOnTailnet(t *testing.T, ctx context.Context) {
	t.Helper()
	rep, _ := doctor.Run(ctx, bl.client, bl.addrs, doctor.Options{})
	for _, n := range rep.Nodes {
		if c, ok := n.Find(doctor.IDAddress); ok && c.Status == doctor.OK {
			t.Fatalf("node %s is on the tailnet before apply: %s", n.Node, c.Message)
		}
	}
}

func liveConfigs(t *testing.T, bl *bareLab) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, a := range bl.addrs {
		cfg, _, err := rollout.Live(context.Background(), bl.client, a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := cfg.EncodeBytes()
		if err != nil {
			t.Fatal(err)
		}
		out[a] = b
	}
	return out
}

// On real Talos nodes booted without any Tailscale config, with configs
// made by v1.13 tooling (v1alpha1 shape) and by v1.14 tooling: apply puts
// every node on the tailnet in its config's shape and doctor finds all ok;
// a second apply changes nothing; a patch the node refuses stops the run
// at the first node, which keeps its config, and the second is not
// touched.
func TestApplyOnRealTalos(t *testing.T) {
	for _, tt := range []struct{ createdWith, shape string }{{"v1.13.9", "v1alpha1"}, {"v1.14.1", "v1.14"}} {
		t.Run("created-with-"+tt.createdWith, func(t *testing.T) {
			bl := upBare(t, tt.createdWith)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()

			bl.notOnTailnet(t, ctx)

			// A dry run has each node validate its config and applies nothing.
			dry := bl.request()
			dry.DryRun = true
			res, err := rollout.Apply(ctx, dry)
			if err != nil || res.Changed != len(bl.addrs) {
				t.Fatalf("dry run: %v, changed %+v", err, res)
			}
			for _, n := range res.Nodes {
				if n.Applied || !strings.Contains(n.Diff, "TS_HOSTNAME="+n.Node) {
					t.Errorf("dry run of node %s: applied %v, diff:\n%s", n.Node, n.Applied, n.Diff)
				}
			}

			bl.notOnTailnet(t, ctx)

			start := time.Now()
			res, err = rollout.Apply(ctx, bl.request())
			if err != nil {
				t.Fatalf("apply: %v (%+v)", err, res)
			}
			t.Logf("apply of %d nodes in %s", len(res.Nodes), time.Since(start).Round(time.Millisecond))
			if res.Changed != len(bl.addrs) {
				t.Errorf("changed %d nodes, want %d", res.Changed, len(bl.addrs))
			}
			for _, n := range res.Nodes {
				if n.Shape != tt.shape || !n.Applied || n.Mode != "no-reboot" {
					t.Errorf("node %s: shape %s applied %v mode %s, want %s applied no-reboot", n.Node, n.Shape, n.Applied, n.Mode, tt.shape)
				}
				if strings.Contains(n.Diff, bl.AuthKey) {
					t.Errorf("node %s: the diff shows the auth key", n.Node)
				}
			}
			bl.doctorAllOK(t)
			bl.liveBaseShape(t, ctx, tt.shape)

			again, err := rollout.Apply(ctx, bl.request())
			if err != nil {
				t.Fatalf("second apply: %v", err)
			}
			if again.Changed != 0 {
				t.Errorf("second apply changed %d nodes:\n%+v", again.Changed, again.Nodes)
			}
			for _, n := range again.Nodes {
				if n.Applied || n.Diff != "" {
					t.Errorf("second apply touched node %s:\n%s", n.Node, n.Diff)
				}
			}

			if tt.shape != "v1.14" {
				return
			}
			before := liveConfigs(t, bl)
			broken := []byte("apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nconfigFiles:\n  - content: \"\"\n    mountPath: /etc/tailos-broken\n")
			res, err = rollout.Apply(ctx, bl.request(broken))
			if err == nil || !errors.Is(err, rollout.ErrNodeFailed) {
				t.Fatalf("broken patch: err %v, want the node to refuse it", err)
			}
			if len(res.Nodes) != 1 || !strings.Contains(res.Nodes[0].Error, "refused") || res.Nodes[0].Applied {
				t.Errorf("broken patch: %+v, want the run to stop at the first node, refused", res.Nodes)
			}
			t.Logf("refused: %s", res.Nodes[0].Error)
			after := liveConfigs(t, bl)
			for a := range before {
				if string(before[a]) != string(after[a]) {
					t.Errorf("node %s changed after the refused apply", a)
				}
			}
		})
	}
}

// Upgrade on real Talos nodes: the plan picks the spec's factory installer
// for each node, an installer without the extension is refused before any
// node is touched, a node without a factory schematic and no spec has no
// plan; and the post-upgrade verification passes after a reboot that keeps
// the node's identity (the lab cannot install an OS image).
func TestUpgradeOnRealTalos(t *testing.T) {
	bl := upBare(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := rollout.Apply(ctx, bl.request()); err != nil {
		t.Fatalf("apply: %v", err)
	}
	id, err := plan.Schematic(bl.Spec).ID()
	if err != nil {
		t.Fatal(err)
	}
	req := rollout.UpgradeRequest{Spec: bl.Spec, Client: bl.client, To: "v1.14.2", DryRun: true}
	res, err := rollout.Upgrade(ctx, req)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if len(res.Steps) != len(bl.addrs) {
		t.Fatalf("%d steps, want %d", len(res.Steps), len(bl.addrs))
	}
	for i, st := range res.Steps {
		want := "factory.talos.dev/metal-installer/" + id + ":v1.14.2"
		if st.Installer != want || st.Source != "spec" || st.From != "v1.14.1" || st.Address != bl.addrs[i] {
			t.Errorf("step %+v, want %s from the spec for %s", st, want, bl.addrs[i])
		}
	}

	req.Image = "ghcr.io/siderolabs/installer:v1.14.2"
	req.DryRun = false
	res, err = rollout.Upgrade(ctx, req)
	if !errors.Is(err, rollout.ErrUnsafeInstaller) || res.Upgraded != 0 {
		t.Errorf("vanilla installer: %v, upgraded %d; want a refusal before any node", err, res.Upgraded)
	}

	_, err = rollout.Upgrade(ctx, rollout.UpgradeRequest{Client: bl.client, Nodes: bl.addrs[:1], To: "v1.14.2", DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "reports no Image Factory schematic") {
		t.Errorf("no spec, no running schematic: %v", err)
	}

	node := bl.Nodes[0]
	before, _, err := rollout.ReadIdentity(ctx, bl.client, node.Addr.String(), bl.api)
	if err != nil || len(before.Addrs) == 0 || before.DeviceID == "" {
		t.Fatalf("identity before: %+v %v", before, err)
	}
	if err := bl.Restart(ctx, node.Name); err != nil {
		t.Fatal(err)
	}
	st := rollout.Step{Node: node.Name, Address: node.Addr.String(), To: "v1.14.1"}
	if err := rollout.WaitVerified(ctx, bl.client, st, before, bl.api, 3*time.Minute, 2*time.Second); err != nil {
		t.Errorf("after a reboot: %v", err)
	}
	// A node that is not where the plan wanted it fails verification.
	st.To = "v1.14.2"
	if err := rollout.Verify(ctx, bl.client, st, before, bl.api); err == nil || !strings.Contains(err.Error(), "not v1.14.2") {
		t.Errorf("verification of a node still on v1.14.1 for v1.14.2: %v", err)
	}
}
