package talosapi

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/siderolabs/talos/pkg/machinery/api/common"
	machineapi "github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

// Get reads one resource by ID in its definition's default namespace on
// the node ctx targets (WithNode).
func Get[T meta.ResourceWithRD](ctx context.Context, c *client.Client, id string) (T, error) {
	return safe.StateGetByID[T](ctx, c.COSI, id)
}

// List reads every resource of T's type in its default namespace.
func List[T meta.ResourceWithRD](ctx context.Context, c *client.Client) ([]T, error) {
	l, err := safe.StateListAll[T](ctx, c.COSI)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, l.Len())
	for r := range l.All() {
		out = append(out, r)
	}
	return out, nil
}

// Service returns the service's state, events and health as machined
// reports them (COSI's Services resource lacks the events). It returns
// nil, nil when the node has no such service.
func Service(ctx context.Context, c *client.Client, id string) (*machineapi.ServiceInfo, error) {
	infos, err := c.ServiceInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, nil
	}
	return infos[0].Service, nil
}

// ServiceLog returns the last lines of a system service's log, as
// `talosctl logs ID --tail N` does.
func ServiceLog(ctx context.Context, c *client.Client, id string, lines int32) ([]string, error) {
	stream, err := c.Logs(ctx, constants.SystemContainerdNamespace, common.ContainerDriver_CONTAINERD, id, false, lines)
	if err != nil {
		return nil, err
	}
	r, err := client.ReadStream(stream)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading %s log: %w", id, err)
	}
	return out, nil
}

// Version returns the node's Talos version.
func Version(ctx context.Context, c *client.Client) (*machineapi.VersionInfo, error) {
	resp, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	if len(resp.Messages) == 0 || resp.Messages[0].Version == nil {
		return nil, fmt.Errorf("version: empty answer")
	}
	return resp.Messages[0].Version, nil
}

// EtcdMembers lists the etcd members as this control-plane node sees them.
func EtcdMembers(ctx context.Context, c *client.Client) ([]*machineapi.EtcdMember, error) {
	resp, err := c.EtcdMemberList(ctx, &machineapi.EtcdMemberListRequest{QueryLocal: true})
	if err != nil {
		return nil, err
	}
	if len(resp.Messages) == 0 {
		return nil, nil
	}
	return resp.Messages[0].Members, nil
}
