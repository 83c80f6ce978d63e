package rollout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/secret"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosapi"
)

// UpgradeRequest is one upgrade run.
type UpgradeRequest struct {
	// Spec, when set, names the nodes and their schematic; without it the
	// schematic is the one each node runs (its ImageFactorySchematic).
	Spec   *spec.Spec
	Client *client.Client
	// Nodes are spec node names or addresses (with a spec), or addresses.
	Nodes []string
	// To is the Talos version to upgrade to (vX.Y.Z).
	To string
	// Image overrides the installer (talosctl upgrade --image); it is
	// checked like any other and refused if it would drop Tailscale.
	Image string
	// Factory is the Image Factory base URL for nodes without a spec
	// (default: the one the node's schematic came from, else the public one).
	Factory string
	// Resolvers find the schematic behind an installer (local store, the
	// factory when online); the spec's schematic and each node's running
	// one are always known.
	Resolvers []schematic.Resolver
	DryRun    bool
	Tailnet   tailnet.API
	// WaitTimeout bounds each node's return after the upgrade (default 15m).
	WaitTimeout  time.Duration
	PollInterval time.Duration
	Progress     func(format string, args ...any)
}

// Facts are what the upgrade plan needs from a live node.
type Facts struct {
	Address  string
	Version  string // running Talos version
	Arch     string
	Platform string
	// SchematicID is the running schematic (empty if the node reports none).
	SchematicID string
	// Factory is where that schematic came from (its API URL).
	Factory string
	// Extensions are the extensions the node runs, named as schematics
	// name them (siderolabs/tailscale).
	Extensions []string
}

// Step is one node's planned upgrade.
type Step struct {
	Node        string            `json:"node"`
	Address     string            `json:"address"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	SchematicID string            `json:"schematic"`
	Source      string            `json:"source"` // spec, node or image
	Installer   string            `json:"installer"`
	Verdict     schematic.Verdict `json:"verdict"`
}

// ErrUnsafeInstaller is returned when an installer would drop Tailscale.
var ErrUnsafeInstaller = errors.New("refused: the installer would drop " + schematic.TailscaleExtension)

// ReadFacts reads a node's version, architecture, platform, running
// schematic and extensions.
func ReadFacts(ctx context.Context, c *client.Client, node string) (Facts, error) {
	nctx := talosapi.WithNode(ctx, node)
	f := Facts{Address: node}
	v, err := talosapi.Version(nctx, c)
	if err != nil {
		return f, fmt.Errorf("node %s: %s", node, talosapi.Explain(err))
	}
	f.Version, f.Arch = v.Tag, v.Arch
	if pm, err := talosapi.Get[*runtime.PlatformMetadata](nctx, c, runtime.PlatformMetadataID); err == nil {
		f.Platform = pm.TypedSpec().Platform
	}
	if s, err := talosapi.Get[*runtime.ImageFactorySchematic](nctx, c, runtime.ImageFactorySchematicID); err == nil {
		f.SchematicID, f.Factory = s.TypedSpec().SchematicID, s.TypedSpec().APIURL
	} else if !talosapi.IsNotFound(err) {
		return f, fmt.Errorf("node %s: running schematic: %s", node, talosapi.Explain(err))
	}
	exts, err := talosapi.List[*runtime.ExtensionStatus](nctx, c)
	if err != nil {
		return f, fmt.Errorf("node %s: extensions: %s", node, talosapi.Explain(err))
	}
	for _, e := range exts {
		f.Extensions = append(f.Extensions, schematicName(e.TypedSpec().Metadata.Name))
	}
	return f, nil
}

// PlanStep chooses one node's installer: the spec's schematic for a spec
// node, else the node's running one, else req.Image; and checks it with the
// schematic package's verification. An installer that would drop
// Tailscale is an ErrUnsafeInstaller.
func PlanStep(ctx context.Context, req UpgradeRequest, n *spec.Node, f Facts) (Step, error) {
	st := Step{Node: f.Address, Address: f.Address, From: f.Version, To: req.To}
	if _, err := schematic.ParseTalosVersion(req.To); err != nil {
		return st, fmt.Errorf("--to %q: %w", req.To, err)
	}
	resolvers := slices.Clone(req.Resolvers)
	var image string
	switch {
	case req.Image != "":
		image, st.Source = req.Image, "image"
	case n != nil && req.Spec != nil && req.Spec.TailosExtension():
		return st, fmt.Errorf("node %s: the spec installs the tailos-built extension from %s, an imager build this tool cannot verify: build the installer for %s and upgrade with talosctl upgrade --image", n.Name, req.Spec.Tailnet.Extension.Installer, req.To)
	case n != nil && req.Spec != nil:
		st.Node = n.Name
		sch := plan.Schematic(req.Spec)
		id, err := sch.ID()
		if err != nil {
			return st, err
		}
		t := plan.Target(req.Spec, *n)
		t.TalosVersion = req.To
		if image, err = schematic.InstallerImage(t, id); err != nil {
			return st, fmt.Errorf("node %s: installer: %w", n.Name, err)
		}
		st.Source = "spec"
		resolvers = append([]schematic.Resolver{known{"the spec " + req.Spec.File(), id, sch}}, resolvers...)
	case f.SchematicID != "":
		factory := req.Factory
		if factory == "" {
			factory = f.Factory
		}
		var err error
		image, err = schematic.InstallerImage(schematic.Target{Factory: factory, TalosVersion: req.To, Platform: f.Platform, Arch: f.Arch}, f.SchematicID)
		if err != nil {
			return st, fmt.Errorf("node %s: installer for its running schematic: %w", f.Address, err)
		}
		st.Source = "node"
	default:
		return st, fmt.Errorf("node %s reports no Image Factory schematic: give the spec (-f) or the installer (--image)", f.Address)
	}
	// The running schematic's extensions are what the node runs.
	if f.SchematicID != "" {
		resolvers = append(resolvers, known{"node " + f.Address, f.SchematicID, schematic.New(f.Extensions, nil)})
	}
	st.Installer = image
	v, err := schematic.VerifyImage(ctx, image, st.Source, resolvers...)
	st.Verdict = v
	if err != nil {
		return st, fmt.Errorf("node %s: installer %s: %w", st.Node, image, err)
	}
	if v.Ref != nil {
		st.SchematicID = v.Ref.SchematicID
	}
	if !v.Safe {
		return st, fmt.Errorf("%w: node %s: %s", ErrUnsafeInstaller, st.Node, v.Problem)
	}
	return st, nil
}

// schematicName is an extension's name as schematics list it: official
// extensions' manifests say "tailscale", schematics "siderolabs/tailscale".
func schematicName(manifest string) string {
	if strings.Contains(manifest, "/") {
		return manifest
	}
	return "siderolabs/" + manifest
}

// known resolves one schematic ID that tailos already knows.
type known struct {
	name string
	id   string
	s    *schematic.Schematic
}

func (k known) Name() string { return k.name }

func (k known) Lookup(_ context.Context, id string) (*schematic.Schematic, error) {
	if id != k.id {
		return nil, fmt.Errorf("%s: %w", id, schematic.ErrNotFound)
	}
	return k.s, nil
}

// Plan reads each target node and plans its step; the first refusal stops
// the plan, before any node is upgraded.
func Plan(ctx context.Context, req UpgradeRequest) ([]Step, error) {
	type tgt struct {
		n    *spec.Node
		addr string
	}
	var tgts []tgt
	if req.Spec != nil {
		ts, err := Targets(req.Spec, req.Nodes)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			tgts = append(tgts, tgt{&t.Spec, t.Spec.Address})
		}
	} else {
		if len(req.Nodes) == 0 {
			return nil, errors.New("upgrade: no nodes: give -n or the spec (-f)")
		}
		for _, a := range req.Nodes {
			tgts = append(tgts, tgt{nil, a})
		}
	}
	var steps []Step
	for _, t := range tgts {
		f, err := ReadFacts(ctx, req.Client, t.addr)
		if err != nil {
			return steps, err
		}
		st, err := PlanStep(ctx, req, t.n, f)
		if err != nil {
			return steps, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// Identity is what must survive an upgrade: the node's tailnet addresses
// and, when the tailnet was asked, its device.
type Identity struct {
	Addrs    []string `json:"addrs"`
	DeviceID string   `json:"deviceId,omitempty"`
	NodeKey  string   `json:"nodeKey,omitempty"`
}

// ReadIdentity reads a node's tailnet identity through doctor, with the
// node's doctor checks.
func ReadIdentity(ctx context.Context, c *client.Client, node string, api tailnet.API) (Identity, []doctor.Check, error) {
	ev, err := doctor.Gather(talosapi.WithNode(ctx, node), c, node)
	if err != nil {
		return Identity{}, nil, fmt.Errorf("node %s: %s", node, talosapi.Explain(err))
	}
	var id Identity
	for _, a := range ev.TailnetIPs() {
		id.Addrs = append(id.Addrs, a.String())
	}
	slices.Sort(id.Addrs)
	checks := doctor.Evaluate(ev, doctor.Expect{})
	if api != nil {
		_, res := doctor.Run(ctx, c, []string{node}, doctor.Options{Tailnet: api})
		if len(res) == 1 && res[0].Current != nil {
			id.DeviceID, id.NodeKey = res[0].Current.ID, res[0].Current.NodeKey
		}
	}
	return id, checks, nil
}

// Verify checks a node after its upgrade: it runs st.To, its running
// schematic is the planned one (when the node reports one), doctor says
// the extension is installed and ext-tailscale runs, and its tailnet
// identity is the one it had before.
func Verify(ctx context.Context, c *client.Client, st Step, before Identity, api tailnet.API) error {
	f, err := ReadFacts(ctx, c, st.Address)
	if err != nil {
		return err
	}
	var probs []string
	if st.To != "" && strings.TrimPrefix(f.Version, "v") != strings.TrimPrefix(st.To, "v") {
		probs = append(probs, fmt.Sprintf("runs Talos %s, not %s", f.Version, st.To))
	}
	if f.SchematicID != "" && st.SchematicID != "" && f.SchematicID != st.SchematicID {
		probs = append(probs, fmt.Sprintf("runs schematic %s, not the planned %s", f.SchematicID, st.SchematicID))
	}
	after, checks, err := ReadIdentity(ctx, c, st.Address, api)
	if err != nil {
		return err
	}
	for _, ch := range checks {
		if (ch.ID == doctor.IDExtension || ch.ID == doctor.IDService) && ch.Status != doctor.OK {
			probs = append(probs, ch.ID+": "+ch.Message)
		}
	}
	if len(after.Addrs) == 0 {
		probs = append(probs, "has no tailnet address")
	} else if !slices.Equal(after.Addrs, before.Addrs) {
		probs = append(probs, fmt.Sprintf("tailnet addresses %v, were %v: a new identity", after.Addrs, before.Addrs))
	}
	if before.DeviceID != "" && (after.DeviceID != before.DeviceID || after.NodeKey != before.NodeKey) {
		probs = append(probs, fmt.Sprintf("tailnet device %s, was %s: a new identity", orNone(after.DeviceID), before.DeviceID))
	}
	if len(probs) > 0 {
		return fmt.Errorf("node %s after the upgrade: %s", st.Node, secret.Mask(strings.Join(probs, "; ")))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
