package talosapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Connect builds a machinery client for the resolved context. It does not
// dial: the first call does, so an unreachable endpoint is reported per node.
// extra options follow (e.g. client.WithGRPCDialOptions with a dialer).
func Connect(ctx context.Context, r *Resolved, extra ...client.OptionFunc) (*client.Client, error) {
	opts := append([]client.OptionFunc{
		client.WithConfig(r.Config),
		client.WithContextName(r.Context),
		client.WithEndpoints(r.Endpoints...),
	}, extra...)
	c, err := client.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("talos client (context %q): %w", r.Context, err)
	}
	return c, nil
}

// WithNode targets one node through apid's proxying, as talosctl -n does.
// A node equal to the only endpoint is still sent as metadata: apid
// answers for itself then.
func WithNode(ctx context.Context, node string) context.Context {
	return client.WithNode(ctx, node)
}

// IsPermissionDenied reports whether err is apid refusing the call for the
// client's role (a reader asking for a sensitive resource).
func IsPermissionDenied(err error) bool {
	return status.Code(errors.Unwrap(err)) == codes.PermissionDenied || status.Code(err) == codes.PermissionDenied
}

// IsNotFound reports whether err says a resource or service does not exist.
func IsNotFound(err error) bool {
	if status.Code(err) == codes.NotFound {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if status.Code(e) == codes.NotFound {
			return true
		}
	}
	return strings.Contains(err.Error(), "doesn't exist") || strings.Contains(err.Error(), "not found")
}

// Explain turns a Talos API error into one line a user can act on: gRPC's
// envelope is dropped and the usual causes are named.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Message()
	}
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "certificate signed by unknown authority"), strings.Contains(low, "unknown certificate authority"):
		return "TLS: the endpoint's certificate is not signed by the talosconfig's CA (wrong context or CA): " + lastPart(msg)
	case strings.Contains(low, "certificate has expired"), strings.Contains(low, "expired certificate"), strings.Contains(low, "certificate expired"):
		return "TLS: certificate expired (renew the talosconfig with talosctl config new, or check the node's clock): " + lastPart(msg)
	case strings.Contains(low, "bad certificate"):
		return "TLS: the node rejected the client certificate (expired, or issued by another cluster's CA): " + lastPart(msg)
	case strings.Contains(low, "no such host"), strings.Contains(low, "lookup error"), strings.Contains(low, "lookup ") && strings.Contains(low, ":53"):
		return "unreachable: the node name does not resolve (apid or the client looks it up): " + lastPart(msg)
	case strings.Contains(low, "connection refused"):
		return "unreachable: connection refused (is apid listening on port 50000?): " + lastPart(msg)
	case strings.Contains(low, "i/o timeout"), strings.Contains(low, "deadline exceeded"), strings.Contains(low, "no route to host"), strings.Contains(low, "network is unreachable"):
		return "unreachable: " + lastPart(msg)
	case status.Code(err) == codes.PermissionDenied && strings.Contains(low, "no request forwarding"):
		// apid forwards to other nodes only on control planes.
		return "the endpoint does not forward requests to other nodes (a worker's apid does not proxy): use a control-plane node as the endpoint (-e)"
	case status.Code(err) == codes.PermissionDenied:
		return "permission denied: the talosconfig's role does not allow this (needs os:admin): " + msg
	}
	return msg
}

// lastPart keeps the innermost cause of a chain of "a: b: c".
func lastPart(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.LastIndex(msg, "desc = "); i >= 0 {
		msg = msg[i+len("desc = "):]
	}
	return strings.Trim(msg, `"`)
}
