package mtu

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// setDontFragment makes the kernel send every datagram of c with the
// don't-fragment bit, up to the interface MTU, ignoring any cached path
// MTU (IP_PMTUDISC_PROBE): oversized sends fail with EMSGSIZE instead of
// being fragmented, and each probe tests the path afresh.
func setDontFragment(c syscall.Conn, is6 bool) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		if is6 {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_PROBE)
			if serr == nil {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, 1)
			}
			return
		}
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("setting don't-fragment on the probe socket: %w", err)
	}
	return nil
}
