//go:build !linux

package mtu

import (
	"errors"
	"net/netip"
	"syscall"
)

var errNotLinux = errors.New("path MTU probes need Linux (IP_PMTUDISC_PROBE)")

func setDontFragment(syscall.Conn, bool) error { return errNotLinux }

func dialICMP(netip.Addr) (prober, error) { return nil, errNotLinux }
