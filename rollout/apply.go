package rollout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	machineapi "github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/config"
	resconfig "github.com/siderolabs/talos/pkg/machinery/resources/config"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/secret"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosapi"
)

// Request is one apply run.
type Request struct {
	Spec   *spec.Spec
	Client *client.Client
	// Nodes limits the run to these spec nodes (name or address).
	Nodes []string
	// LookupEnv resolves env: references (nil: os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// ExtraPatches are applied after the node's own, as talosctl
	// --config-patch applies them (strategic merge or JSON6902).
	ExtraPatches [][]byte
	// DryRun shows the diffs and has each node validate its new config
	// (ApplyConfiguration's dry run) without applying it.
	DryRun bool
	// Mode is talosctl apply-config's --mode: no-reboot (default), auto,
	// reboot or staged. Talos refuses no-reboot for a change it can only
	// make by rebooting, and says why.
	Mode string
	// Tailnet, when set, is also asked whether the node's device is online.
	Tailnet tailnet.API
	// WaitTimeout bounds the wait for a node to be healthy (default 5m).
	WaitTimeout time.Duration
	// PollInterval is how often doctor is asked while waiting (default 2s).
	PollInterval time.Duration
	// OnDiff hears each node's diff (masked) before it is applied.
	OnDiff func(node, diff string)
	// Progress hears about slow steps.
	Progress func(format string, args ...any)
}

// NodeResult is what apply did to one node.
type NodeResult struct {
	Node    string `json:"node"`
	Address string `json:"address"`
	Shape   string `json:"shape,omitempty"`
	// Diff is machinery's config diff, secrets redacted.
	Diff    string `json:"diff,omitempty"`
	Changed bool   `json:"changed"`
	Applied bool   `json:"applied"`
	// Mode is the mode Talos applied the config in, with its reason.
	Mode        string   `json:"mode,omitempty"`
	ModeDetails string   `json:"modeDetails,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	// Doctor is the node's last doctor report (after the apply).
	Doctor *doctor.NodeReport `json:"doctor,omitempty"`
	Error  string             `json:"error,omitempty"`
}

// Result is the whole run; Nodes ends at the first failure.
type Result struct {
	Nodes   []NodeResult `json:"nodes"`
	Changed int          `json:"changed"`
	DryRun  bool         `json:"dryRun,omitempty"`
}

// ErrNodeFailed wraps the first node failure; the nodes after it are left
// alone.
var ErrNodeFailed = errors.New("apply stopped")

func (r *Request) progress(format string, args ...any) {
	if r.Progress != nil {
		r.Progress(format, args...)
	}
}

// Apply rolls the spec out one node at a time. For each node it reads the
// live config, builds the patch in that config's shape, shows the diff,
// applies it and waits until doctor says ext-tailscale runs and the node
// has its tailnet address (and, with a tailnet API, its device is online)
// before the next. It stops at the first failure, leaving that node as
// Talos left it. A node whose config already matches is not touched.
func Apply(ctx context.Context, req Request) (*Result, error) {
	if req.Spec == nil || req.Client == nil {
		return nil, errors.New("apply: a spec and a Talos client are needed")
	}
	targets, err := Targets(req.Spec, req.Nodes)
	if err != nil {
		return nil, err
	}
	lookup := req.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	ref, _ := req.Spec.AuthRef()
	secretValue, err := ref.Resolve(lookup)
	if err != nil {
		// The reference, never the value, is named.
		return nil, fmt.Errorf("%s: tailnet.auth (%s): %w", req.Spec.File(), ref, err)
	}
	if secretValue == "" {
		// Without a value the patch would carry the placeholder to the node.
		return nil, fmt.Errorf("%s: tailnet.auth (%s) is empty", req.Spec.File(), ref)
	}
	mode, err := ParseMode(req.Mode)
	if err != nil {
		return nil, err
	}
	res := &Result{DryRun: req.DryRun}
	for _, t := range targets {
		nr, err := applyNode(ctx, &req, mode, t, secretValue)
		res.Nodes = append(res.Nodes, nr)
		if err != nil {
			return res, fmt.Errorf("%w at node %s: %s", ErrNodeFailed, t.Spec.Name, secret.Mask(err.Error()))
		}
		if nr.Changed {
			res.Changed++
		}
	}
	return res, nil
}

// Live reads a node's Talos version and active machine config.
func Live(ctx context.Context, c *client.Client, node string) (config.Provider, string, error) {
	nctx := talosapi.WithNode(ctx, node)
	v, err := talosapi.Version(nctx, c)
	if err != nil {
		return nil, "", fmt.Errorf("version: %s", talosapi.Explain(err))
	}
	mc, err := talosapi.Get[*resconfig.MachineConfig](nctx, c, resconfig.ActiveID)
	if err != nil {
		return nil, "", fmt.Errorf("reading the machine config: %s", talosapi.Explain(err))
	}
	if mc.Provider() == nil {
		return nil, "", errors.New("the node has no active machine config")
	}
	return mc.Provider(), v.Tag, nil
}

func applyNode(ctx context.Context, req *Request, mode machineapi.ApplyConfigurationRequest_Mode, t Target, secretValue string) (NodeResult, error) {
	nr := NodeResult{Node: t.Spec.Name, Address: t.Spec.Address}
	fail := func(err error) (NodeResult, error) {
		nr.Error = secret.Mask(err.Error())
		return nr, err
	}
	req.progress("%s: reading the live config", t.Spec.Name)
	live, version, err := Live(ctx, req.Client, t.Spec.Address)
	if err != nil {
		return fail(err)
	}
	np, err := PlanNode(req.Spec, t, live, version, secretValue)
	if err != nil {
		return fail(err)
	}
	nr.Shape = np.Shape.Name()
	desired, err := Desired(live, append(np.Patches, req.ExtraPatches...)...)
	if err != nil {
		return fail(fmt.Errorf("the patch does not apply to the live config (%s shape): %w", nr.Shape, err))
	}
	same, err := Same(live, desired)
	if err != nil {
		return fail(err)
	}
	if !same {
		nr.Changed = true
		if nr.Diff, err = Diff(live, desired); err != nil {
			return fail(err)
		}
		if req.OnDiff != nil {
			req.OnDiff(t.Spec.Name, nr.Diff)
		}
		data, err := desired.EncodeBytes()
		if err != nil {
			return fail(err)
		}
		req.progress("%s: applying (%s)", t.Spec.Name, modeName(mode))
		resp, err := req.Client.ApplyConfiguration(talosapi.WithNode(ctx, t.Spec.Address), &machineapi.ApplyConfigurationRequest{
			Data: data, Mode: mode, DryRun: req.DryRun,
		})
		if err != nil {
			// Talos's validation errors are a multi-line list: one line here.
			return fail(fmt.Errorf("the node refused the config (mode %s): %s", modeName(mode), strings.Join(strings.Fields(talosapi.Explain(err)), " ")))
		}
		for _, m := range resp.GetMessages() {
			nr.Mode = modeName(m.GetMode())
			nr.ModeDetails = secret.Mask(m.GetModeDetails())
			nr.Warnings = append(nr.Warnings, m.GetWarnings()...)
		}
		nr.Applied = !req.DryRun
	}
	if req.DryRun {
		return nr, nil
	}
	if nr.Applied && mode == machineapi.ApplyConfigurationRequest_STAGED {
		// A staged config runs from the next reboot: nothing to wait for.
		return nr, nil
	}
	rep, err := waitHealthy(ctx, req, np, t)
	nr.Doctor = rep
	if err != nil {
		return fail(err)
	}
	return nr, nil
}

func modeName(m machineapi.ApplyConfigurationRequest_Mode) string {
	switch m {
	case machineapi.ApplyConfigurationRequest_NO_REBOOT:
		return "no-reboot"
	case machineapi.ApplyConfigurationRequest_REBOOT: //nolint:staticcheck // talosctl apply-config --mode reboot still sends it
		return "reboot"
	case machineapi.ApplyConfigurationRequest_AUTO:
		return "auto"
	case machineapi.ApplyConfigurationRequest_STAGED:
		return "staged"
	case machineapi.ApplyConfigurationRequest_TRY:
		return "try"
	}
	return m.String()
}

// ParseMode reads talosctl apply-config's --mode names.
func ParseMode(s string) (machineapi.ApplyConfigurationRequest_Mode, error) {
	switch s {
	case "", "no-reboot":
		return machineapi.ApplyConfigurationRequest_NO_REBOOT, nil
	case "auto":
		return machineapi.ApplyConfigurationRequest_AUTO, nil
	case "reboot":
		return machineapi.ApplyConfigurationRequest_REBOOT, nil //nolint:staticcheck // talosctl apply-config --mode reboot still sends it
	case "staged":
		return machineapi.ApplyConfigurationRequest_STAGED, nil
	}
	return 0, fmt.Errorf("mode %q: want no-reboot, auto, reboot or staged", s)
}
