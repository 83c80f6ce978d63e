package mtu

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// icmpProber sends don't-fragment ICMP echo requests.
type icmpProber struct {
	c     net.Conn
	is6   bool
	raw   bool // a raw socket sees IPv4 headers and every echo on the host
	id    int
	hdr   int // IP + ICMP header bytes
	proto int
	buf   []byte
}

// dialICMP opens an unprivileged ping socket (net.ipv4.ping_group_range)
// or, failing that, a raw socket (CAP_NET_RAW), connected to addr.
func dialICMP(addr netip.Addr) (prober, error) {
	af, proto, hdr := unix.AF_INET, unix.IPPROTO_ICMP, IPv4Header+8
	if addr.Is6() {
		af, proto, hdr = unix.AF_INET6, unix.IPPROTO_ICMPV6, IPv6Header+8
	}
	raw := false
	fd, err := unix.Socket(af, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		var rerr error
		fd, rerr = unix.Socket(af, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
		if rerr != nil {
			return nil, fmt.Errorf("ICMP echo needs CAP_NET_RAW (run as root, or `setcap cap_net_raw+ep` on tailos) or the user's group in sysctl net.ipv4.ping_group_range (%s); or use the UDP method with `tailos mtu responder` on the peer (ping socket: %w; raw socket: %w)",
				pingGroupRange(), err, rerr)
		}
		raw = true
	}
	f := os.NewFile(uintptr(fd), "icmp")
	defer f.Close()
	if err := setDontFragmentFD(fd, addr.Is6()); err != nil {
		return nil, err
	}
	var sa unix.Sockaddr
	if addr.Is6() {
		sa6 := &unix.SockaddrInet6{Addr: addr.As16()}
		if z := addr.Zone(); z != "" {
			ifi, err := net.InterfaceByName(z)
			if err != nil {
				return nil, fmt.Errorf("zone of %s: %w", addr, err)
			}
			sa6.ZoneId = uint32(ifi.Index)
		}
		sa = sa6
	} else {
		sa = &unix.SockaddrInet4{Addr: addr.As4()}
	}
	if err := unix.Connect(fd, sa); err != nil {
		return nil, fmt.Errorf("ICMP socket towards %s: %w", addr, err)
	}
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("ICMP socket towards %s: %w", addr, err)
	}
	return &icmpProber{c: c, is6: addr.Is6(), raw: raw, id: os.Getpid() & 0xffff, hdr: hdr, proto: proto, buf: make([]byte, 1<<16)}, nil
}

func setDontFragmentFD(fd int, is6 bool) error {
	var err error
	if is6 {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_PROBE)
		if err == nil {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, 1)
		}
	} else {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE)
	}
	if err != nil {
		return fmt.Errorf("setting don't-fragment on the ICMP socket: %w", err)
	}
	return nil
}

func pingGroupRange() string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		return "unreadable"
	}
	return "now " + strings.Join(strings.Fields(string(b)), " ")
}

func (p *icmpProber) send(size int, seq uint64) error {
	n := size - p.hdr
	if n < 8 {
		return fmt.Errorf("size %d is too small for a probe", size)
	}
	var typ icmp.Type = ipv4.ICMPTypeEcho
	if p.is6 {
		typ = ipv6.ICMPTypeEchoRequest
	}
	data := make([]byte, n)
	copy(data, probeMagic[:])
	// The kernel fills in the ICMPv6 checksum, and the identifier of a
	// ping socket.
	b, err := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: p.id, Seq: int(seq & 0xffff), Data: data}}).Marshal(nil)
	if err != nil {
		return err
	}
	_, err = p.c.Write(b)
	return err
}

func (p *icmpProber) await(seq uint64, deadline time.Time) error {
	if err := p.c.SetReadDeadline(deadline); err != nil {
		return err
	}
	for {
		n, err := p.c.Read(p.buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return errNoReply
		}
		if err != nil {
			return err
		}
		b := p.buf[:n]
		if p.raw && !p.is6 {
			// Raw IPv4 sockets deliver the IP header too.
			h, err := ipv4.ParseHeader(b)
			if err != nil || h.Len > len(b) {
				continue
			}
			b = b[h.Len:]
		}
		m, err := icmp.ParseMessage(p.proto, b)
		if err != nil || (m.Type != ipv4.ICMPTypeEchoReply && m.Type != ipv6.ICMPTypeEchoReply) {
			continue
		}
		e, ok := m.Body.(*icmp.Echo)
		if !ok || e.Seq != int(seq&0xffff) || (p.raw && e.ID != p.id) {
			continue
		}
		return nil
	}
}

func (p *icmpProber) close() error { return p.c.Close() }

func (p *icmpProber) socket() string {
	if p.raw {
		return "icmp-raw"
	}
	return "icmp-ping"
}
