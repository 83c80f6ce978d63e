package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"

	"github.com/tailos/tailos/secret"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosapi"
)

// UpgradeResult is the plan and how far the run got.
type UpgradeResult struct {
	Steps    []Step `json:"steps"`
	Upgraded int    `json:"upgraded"`
	DryRun   bool   `json:"dryRun,omitempty"`
}

// Upgrade plans every node first (so a refused installer stops the run
// before any node is touched), then upgrades one node at a time: it notes
// the node's tailnet identity, asks Talos to upgrade with the planned
// installer, waits for the node to come back on the new version and
// verifies it (Verify) before the next. It stops at the first failure.
func Upgrade(ctx context.Context, req UpgradeRequest) (*UpgradeResult, error) {
	steps, err := Plan(ctx, req)
	res := &UpgradeResult{Steps: steps, DryRun: req.DryRun}
	if err != nil || req.DryRun {
		return res, err
	}
	for _, st := range steps {
		if err := upgradeNode(ctx, req, st); err != nil {
			return res, fmt.Errorf("upgrade stopped at node %s: %s", st.Node, secret.Mask(err.Error()))
		}
		res.Upgraded++
	}
	return res, nil
}

func upgradeNode(ctx context.Context, req UpgradeRequest, st Step) error {
	progress := func(format string, args ...any) {
		if req.Progress != nil {
			req.Progress(format, args...)
		}
	}
	before, _, err := ReadIdentity(ctx, req.Client, st.Address, req.Tailnet)
	if err != nil {
		return err
	}
	progress("%s: upgrading %s → %s with %s", st.Node, st.From, st.To, st.Installer)
	//nolint:staticcheck // LifecycleService is new in Talos 1.14; the nodes being upgraded may run 1.13
	if _, err := req.Client.UpgradeWithOptions(talosapi.WithNode(ctx, st.Address), client.WithUpgradeImage(st.Installer)); err != nil {
		return fmt.Errorf("the node refused the upgrade: %s", talosapi.Explain(err))
	}
	timeout := req.WaitTimeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	progress("%s: waiting for Talos %s and the tailnet", st.Node, st.To)
	return WaitVerified(ctx, req.Client, st, before, req.Tailnet, timeout, req.PollInterval)
}

// WaitVerified retries Verify until it passes or timeout: a node is
// unreachable while it reboots, and ext-tailscale starts after machined.
func WaitVerified(ctx context.Context, c *client.Client, st Step, before Identity, api tailnet.API, timeout, every time.Duration) error {
	if every <= 0 {
		every = 3 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := Verify(wctx, c, st, before, api)
		if err == nil {
			return nil
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("not verified within %s: %w", timeout, err)
		case <-time.After(every):
		}
	}
}
