package mtu

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// enableDstInfo asks the kernel to report each datagram's destination
// address, so that a Responder on a wildcard address answers from the
// address it was probed at: a prober's connected socket drops answers from
// any other. It reports whether c is an IPv6 (possibly dual-stack) socket.
func enableDstInfo(c *net.UDPConn) (bool, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return false, err
	}
	var is6 bool
	var serr error
	err = rc.Control(func(fd uintptr) {
		var dom int
		if dom, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN); serr != nil {
			return
		}
		is6 = dom == unix.AF_INET6
		if is6 {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
		} else {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return false, fmt.Errorf("asking for destination addresses on the responder socket: %w", err)
	}
	return is6, nil
}

// replySource turns the control messages of a received datagram into those
// that send the answer from its destination address; nil when there is
// none usable (multicast, broadcast).
func replySource(oob []byte) []byte {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= 16:
			// IPv4 datagrams on a dual-stack socket arrive v4-mapped, and
			// Linux accepts a v4-mapped source back.
			a := [16]byte(m.Data[:16])
			if !unicast(netip.AddrFrom16(a)) {
				return nil
			}
			return unix.PktInfo6(&unix.Inet6Pktinfo{Addr: a})
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= 12:
			// struct in_pktinfo: ifindex, spec_dst, addr (the header's destination).
			a := [4]byte(m.Data[8:12])
			if !unicast(netip.AddrFrom4(a)) {
				return nil
			}
			return unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: a})
		}
	}
	return nil
}

func unicast(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}
