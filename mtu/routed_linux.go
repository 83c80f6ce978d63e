package mtu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// saveSYN asks the kernel to keep each connection's SYN (TCP_SAVE_SYN), so
// the responder can read the MSS option as it arrived without raw sockets.
func saveSYN(_, _ string, rc syscall.RawConn) error {
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_SAVE_SYN, 1)
	}); err != nil {
		return err
	}
	return serr
}

// savedSYNMSS reads the MSS option of c's saved SYN (IP and TCP headers).
func savedSYNMSS(c net.Conn) (uint16, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	// The headers hold zero bytes, so unix.GetsockoptString would cut them.
	buf := make([]byte, 512)
	size := uint32(len(buf))
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_SAVED_SYN,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0)
	}); err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, fmt.Errorf("reading the saved SYN: %w", errno)
	}
	return mssOption(buf[:min(int(size), len(buf))])
}

// mssOption finds the MSS option in an IPv4 or IPv6 packet holding a TCP
// header (no IPv6 extension headers: a SYN carries none in practice).
func mssOption(p []byte) (uint16, error) {
	if len(p) < 1 {
		return 0, errors.New("empty SYN")
	}
	var tcp []byte
	switch p[0] >> 4 {
	case 4:
		ihl := int(p[0]&0xf) * 4
		if len(p) < ihl+20 {
			return 0, errors.New("short SYN")
		}
		tcp = p[ihl:]
	case 6:
		if len(p) < 60 || p[6] != unix.IPPROTO_TCP {
			return 0, errors.New("SYN without a plain TCP header")
		}
		tcp = p[40:]
	default:
		return 0, errors.New("SYN is not IP")
	}
	end := int(tcp[12]>>4) * 4
	if end < 20 || end > len(tcp) {
		return 0, errors.New("bad TCP header length")
	}
	for opts := tcp[20:end]; len(opts) > 0; {
		switch opts[0] {
		case 0:
			return 0, errors.New("SYN without an MSS option")
		case 1:
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || int(opts[1]) < 2 || int(opts[1]) > len(opts) {
			return 0, errors.New("malformed TCP options")
		}
		if opts[0] == 2 && opts[1] == 4 {
			return binary.BigEndian.Uint16(opts[2:]), nil
		}
		opts = opts[opts[1]:]
	}
	return 0, errors.New("SYN without an MSS option")
}

// localMSS is the MSS c's SYN advertised: the MTU of the route to the
// peer less the IP and TCP headers.
func localMSS(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var mtu int
	_ = rc.Control(func(fd uintptr) {
		mtu, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU)
	})
	if mtu == 0 {
		return 0
	}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok && a.IP.To4() == nil {
		_ = rc.Control(func(fd uintptr) {
			mtu, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MTU)
		})
		return mtu - 60
	}
	// Linux never advertises more than 65535 − 40 (loopback's 65536 MTU).
	return min(mtu-40, 65495)
}
