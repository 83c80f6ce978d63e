//go:build linux

package talosnode

import (
	"context"
	"fmt"
	"time"

	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"
)

// WaitRunning waits until the node's MachineStatus stage is running, as
// Talos reports it over its API. On timeout, or when the node exits, the
// error carries the tail of its console.
func WaitRunning(ctx context.Context, c *client.Client, n *Node, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		ms, err := safe.StateGetByID[*runtime.MachineStatus](cctx, c.COSI, runtime.MachineStatusID)
		ccancel()
		if err == nil {
			if ms.TypedSpec().Stage == runtime.MachineStageRunning {
				return nil
			}
			last = "stage " + ms.TypedSpec().Stage.String()
		} else {
			last = err.Error()
		}
		select {
		case <-n.Done():
			return fmt.Errorf("node %s exited before running (%s); console:\n%s", n.cfg.Name, last, consoleTailOf(n, 40))
		case <-ctx.Done():
			return fmt.Errorf("node %s not running after %s (%s); console:\n%s", n.cfg.Name, timeout, last, consoleTailOf(n, 40))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// WaitAPI waits until the node's apid answers and its MachineStatus can
// be read, whatever the stage: without Kubernetes images the boot may stay
// in "booting" while kubelet waits for its image, and the API works.
func WaitAPI(ctx context.Context, c *client.Client, n *Node, timeout time.Duration) (runtime.MachineStage, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		ms, err := safe.StateGetByID[*runtime.MachineStatus](cctx, c.COSI, runtime.MachineStatusID)
		ccancel()
		if err == nil {
			return ms.TypedSpec().Stage, nil
		}
		last = err.Error()
		select {
		case <-n.Done():
			return 0, fmt.Errorf("node %s exited before its API answered (%s); console:\n%s", n.cfg.Name, last, consoleTailOf(n, 40))
		case <-ctx.Done():
			return 0, fmt.Errorf("node %s: no API after %s (%s); console:\n%s", n.cfg.Name, timeout, last, consoleTailOf(n, 40))
		case <-time.After(500 * time.Millisecond):
		}
	}
}
