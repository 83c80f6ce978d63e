package mtu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// Responder is the peer side of the UDP probe: it answers each probe with
// the sequence number and the size it received.
type Responder struct {
	c *net.UDPConn
	// OnProbe, when set, is called for every probe answered.
	OnProbe func(from net.Addr, size int)
}

// Listen opens a Responder on addr ("host:port", ":port" or "" for
// DefaultPort on every address). On a wildcard address it answers each
// probe from the address the probe was sent to.
func Listen(addr string) (*Responder, error) {
	if addr == "" {
		addr = ":" + strconv.Itoa(DefaultPort)
	}
	// An IPv4 address, 0.0.0.0 included, means IPv4 only; anything else
	// listens on IPv6 and, where the host allows, IPv4 too.
	network := "udp"
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			network = "udp4"
		}
	}
	ua, err := net.ResolveUDPAddr(network, addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	c, err := net.ListenUDP(network, ua)
	if err != nil {
		return nil, fmt.Errorf("listening on UDP %s: %w", addr, err)
	}
	if _, err := enableDstInfo(c); err != nil {
		c.Close()
		return nil, err
	}
	return &Responder{c: c}, nil
}

// Addr is the address the Responder listens on.
func (r *Responder) Addr() *net.UDPAddr { return r.c.LocalAddr().(*net.UDPAddr) }

// Serve answers probes until ctx ends or the Responder is closed; it then
// closes the socket and returns nil.
func (r *Responder) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { r.c.Close() })
	defer stop()
	buf, oob := make([]byte, 1<<16), make([]byte, 256)
	for {
		n, oobn, _, from, err := r.c.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return nil
			}
			// Queued ICMP errors from earlier answers surface here; a
			// responder outlives them.
			continue
		}
		seq, err := decodeProbe(buf[:n])
		if err != nil {
			continue
		}
		reply := encodeReply(seq, n)
		// Answer from the address probed; failing that, from any.
		src := replySource(oob[:oobn])
		if _, _, err := r.c.WriteMsgUDPAddrPort(reply, src, from); err != nil {
			if src == nil {
				continue
			}
			if _, err := r.c.WriteToUDPAddrPort(reply, from); err != nil {
				continue
			}
		}
		if r.OnProbe != nil {
			r.OnProbe(net.UDPAddrFromAddrPort(from), n+ipUDPHeader(!from.Addr().Unmap().Is4()))
		}
	}
}

// Close stops the Responder.
func (r *Responder) Close() error { return r.c.Close() }
