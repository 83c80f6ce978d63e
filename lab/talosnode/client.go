//go:build linux

package talosnode

import (
	"context"
	"net"

	"github.com/siderolabs/talos/pkg/machinery/client"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"google.golang.org/grpc"
)

// Dialer opens a TCP connection to a node's address (e.g. from inside the
// lab's network namespace).
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// Client is machinery's Talos API client for the talosconfig's current
// context; dial, when set, is how connections reach the nodes.
func Client(ctx context.Context, tc *clientconfig.Config, dial Dialer) (*client.Client, error) {
	opts := []client.OptionFunc{client.WithConfig(tc)}
	if dial != nil {
		opts = append(opts, client.WithGRPCDialOptions(grpc.WithContextDialer(dial)))
	}
	return client.New(ctx, opts...)
}
