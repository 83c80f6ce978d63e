//go:build !linux

package mtu

import (
	"errors"
	"net"
	"syscall"
)

// The routed probe's responder reads saved SYNs, a Linux feature; the
// client side works everywhere but cannot report its own MSS.

func saveSYN(_, _ string, _ syscall.RawConn) error { return nil }

func savedSYNMSS(net.Conn) (uint16, error) {
	return 0, errors.New("reading a SYN's MSS needs Linux (TCP_SAVED_SYN)")
}

func localMSS(net.Conn) int { return 0 }
