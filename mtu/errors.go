package mtu

import (
	"errors"
	"syscall"
)

// isMsgSize reports a packet too big for the local interface (on send) or
// for a router on the path (an ICMP error queued on the socket).
func isMsgSize(err error) bool { return errors.Is(err, syscall.EMSGSIZE) }

// isConnRefused reports an ICMP port unreachable from the peer.
func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
