package mtu

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// udpProber sends don't-fragment UDP probes to a Responder.
type udpProber struct {
	c    *net.UDPConn
	hdr  int
	buf  []byte
	rbuf []byte
}

func dialUDP(addr netip.Addr, port int) (*udpProber, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port))))
	if err != nil {
		return nil, fmt.Errorf("UDP socket towards %s: %w", addr, err)
	}
	if err := setDontFragment(c, addr.Is6()); err != nil {
		c.Close()
		return nil, err
	}
	return &udpProber{c: c, hdr: ipUDPHeader(addr.Is6()), buf: make([]byte, MaxUnderlay), rbuf: make([]byte, 512)}, nil
}

func (p *udpProber) send(size int, seq uint64) error {
	n := size - p.hdr
	if n < probeHeader {
		return fmt.Errorf("size %d is too small for a probe", size)
	}
	encodeProbe(p.buf, seq)
	_, err := p.c.Write(p.buf[:n])
	return err
}

func (p *udpProber) await(seq uint64, deadline time.Time) error {
	if err := p.c.SetReadDeadline(deadline); err != nil {
		return err
	}
	for {
		n, err := p.c.Read(p.rbuf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return errNoReply
		}
		if err != nil {
			return err
		}
		got, _, err := decodeReply(p.rbuf[:n])
		if err == nil && got == seq {
			return nil
		}
		// Late answers to earlier probes and stray datagrams are skipped.
	}
}

func (p *udpProber) close() error { return p.c.Close() }

func (p *udpProber) socket() string { return "udp" }
