//go:build !linux

package mtu

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
)

var errNotLinux = errors.New("path MTU probes need Linux (IP_PMTUDISC_PROBE)")

func setDontFragment(syscall.Conn, bool) error { return errNotLinux }

func dialICMP(netip.Addr) (prober, error) { return nil, errNotLinux }

func enableDstInfo(*net.UDPConn) (bool, error) { return false, nil }

func replySource([]byte) []byte { return nil }
