package mtu

import (
	"context"
	"errors"
	"fmt"
	"net"
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
// DefaultPort on every address).
func Listen(addr string) (*Responder, error) {
	if addr == "" {
		addr = ":" + strconv.Itoa(DefaultPort)
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("listening on UDP %s: %w", addr, err)
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
	buf := make([]byte, 1<<16)
	for {
		n, from, err := r.c.ReadFromUDPAddrPort(buf)
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
		if _, err := r.c.WriteToUDPAddrPort(encodeReply(seq, n), from); err != nil {
			continue
		}
		if r.OnProbe != nil {
			r.OnProbe(net.UDPAddrFromAddrPort(from), n+ipUDPHeader(!from.Addr().Unmap().Is4()))
		}
	}
}

// Close stops the Responder.
func (r *Responder) Close() error { return r.c.Close() }
