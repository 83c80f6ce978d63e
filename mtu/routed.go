package mtu

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// The routed-path probe measures what TCP sees across a subnet router or
// exit node: the MSS a connection's SYN carries when it reaches the far
// end (after any clamp on the way), and whether a bulk transfer each way
// completes or stalls in a PMTU black hole. Datagram probes cannot show
// this: a clamp changes TCP's segment size, not what fits the path.

// Routed-probe defaults: a few MiB each way, each bounded in time, so that
// a black hole shows as a stall within seconds.
const (
	DefaultRoutedBytes   = 4 << 20
	DefaultRoutedTimeout = 5 * time.Second
	maxRoutedBytes       = 1 << 30
)

// Routed-probe requests: one byte of operation, then the size and the
// transfer's time limit in milliseconds (both big-endian uint64).
const (
	opUpload   = 'U'
	opDownload = 'D'
	requestLen = 17
)

// Transfer is one direction of the routed probe.
type Transfer struct {
	Bytes    int64         `json:"bytes"`    // delivered to the receiving end
	Want     int64         `json:"want"`     // asked for
	Elapsed  time.Duration `json:"elapsed"`  // until done or stalled
	Complete bool          `json:"complete"` // every byte arrived within the limit
}

// BitsPerSecond is the transfer's throughput.
func (t Transfer) BitsPerSecond() float64 {
	if t.Elapsed <= 0 {
		return 0
	}
	return float64(t.Bytes) * 8 / t.Elapsed.Seconds()
}

// RoutedOptions say where the TCP responder is and how much to move.
type RoutedOptions struct {
	// Host and Port of a TCPResponder (Port 0: DefaultPort).
	Host string
	Port int
	// Bytes moved each way; 0 means DefaultRoutedBytes.
	Bytes int64
	// Timeout bounds each transfer; 0 means DefaultRoutedTimeout.
	Timeout time.Duration
}

// RoutedResult is what the routed probe saw.
type RoutedResult struct {
	Addr string `json:"addr"`
	// SYNMSS is the MSS option of this host's SYN as the responder
	// received it: lower than LocalMSS when something on the path clamps.
	SYNMSS uint16 `json:"synMSS"`
	// LocalMSS is the MSS this host's SYN advertised (its route's MTU − 40/60).
	LocalMSS int      `json:"localMSS"`
	Upload   Transfer `json:"upload"`
	Download Transfer `json:"download"`
}

// ProbeRouted runs the routed-path probe against a TCPResponder: one
// connection learns the SYN's MSS at the far end and uploads, a second
// downloads.
func ProbeRouted(ctx context.Context, o RoutedOptions) (RoutedResult, error) {
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Bytes == 0 {
		o.Bytes = DefaultRoutedBytes
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultRoutedTimeout
	}
	if o.Bytes < 0 || o.Bytes > maxRoutedBytes {
		return RoutedResult{}, fmt.Errorf("routed probe size %d: want 1 to %d bytes", o.Bytes, maxRoutedBytes)
	}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	res := RoutedResult{Addr: addr}
	var err error
	if res.SYNMSS, res.LocalMSS, res.Upload, err = transfer(ctx, addr, opUpload, o); err != nil {
		return res, err
	}
	if _, _, res.Download, err = transfer(ctx, addr, opDownload, o); err != nil {
		return res, err
	}
	return res, nil
}

func transfer(ctx context.Context, addr string, op byte, o RoutedOptions) (uint16, int, Transfer, error) {
	t := Transfer{Want: o.Bytes}
	d := net.Dialer{Timeout: o.Timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, 0, t, fmt.Errorf("connecting to the TCP responder at %s (start `tailos mtu responder --tcp` there): %w", addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	local := localMSS(c)
	// Small messages fit any path: the 2-byte MSS, the request, the count.
	_ = c.SetDeadline(time.Now().Add(o.Timeout))
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, local, t, fmt.Errorf("%s: reading the responder's greeting: %w", addr, err)
	}
	mss := binary.BigEndian.Uint16(hdr[:])
	req := make([]byte, requestLen)
	req[0] = op
	binary.BigEndian.PutUint64(req[1:], uint64(o.Bytes))
	binary.BigEndian.PutUint64(req[9:], uint64(o.Timeout.Milliseconds()))
	if _, err := c.Write(req); err != nil {
		return mss, local, t, fmt.Errorf("%s: sending the request: %w", addr, err)
	}
	start := time.Now()
	switch op {
	case opUpload:
		_ = c.SetWriteDeadline(start.Add(o.Timeout))
		_, _ = io.CopyN(c, zeros{}, o.Bytes) // a stall ends at the deadline
		// The responder reports what it received once it has all or its
		// own deadline passes; a little slack covers the reply's trip.
		_ = c.SetReadDeadline(start.Add(o.Timeout + 2*time.Second))
		var n [8]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return mss, local, t, fmt.Errorf("%s: reading the upload count: %w", addr, err)
		}
		t.Bytes = int64(binary.BigEndian.Uint64(n[:]))
	case opDownload:
		_ = c.SetReadDeadline(start.Add(o.Timeout))
		t.Bytes, _ = io.CopyN(io.Discard, c, o.Bytes)
	}
	t.Elapsed = time.Since(start)
	t.Complete = t.Bytes == o.Bytes
	if ctx.Err() != nil {
		return mss, local, t, ctx.Err()
	}
	return mss, local, t, nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TCPResponder is the far end of the routed probe.
type TCPResponder struct {
	ln net.Listener
	// OnConn, when set, is told each connection's SYN MSS and request.
	OnConn func(from net.Addr, synMSS uint16, op byte, bytes int64)
}

// ListenTCP opens a TCPResponder on addr ("host:port", ":port" or "" for
// DefaultPort on every address).
func ListenTCP(addr string) (*TCPResponder, error) {
	if addr == "" {
		addr = ":" + strconv.Itoa(DefaultPort)
	}
	lc := net.ListenConfig{Control: saveSYN}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on TCP %s: %w", addr, err)
	}
	return &TCPResponder{ln: ln}, nil
}

// Addr is the address the responder listens on.
func (r *TCPResponder) Addr() net.Addr { return r.ln.Addr() }

// Close stops the responder.
func (r *TCPResponder) Close() error { return r.ln.Close() }

// Serve answers routed probes until ctx ends or the responder is closed.
func (r *TCPResponder) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { r.ln.Close() })
	defer stop()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go r.serve(c)
	}
}

func (r *TCPResponder) serve(c net.Conn) {
	defer c.Close()
	mss, _ := savedSYNMSS(c)
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	var hdr [2]byte
	binary.BigEndian.PutUint16(hdr[:], mss)
	if _, err := c.Write(hdr[:]); err != nil {
		return
	}
	req := make([]byte, requestLen)
	if _, err := io.ReadFull(c, req); err != nil {
		return
	}
	n := int64(binary.BigEndian.Uint64(req[1:]))
	limit := time.Duration(binary.BigEndian.Uint64(req[9:])) * time.Millisecond
	if n < 0 || n > maxRoutedBytes || limit <= 0 || limit > time.Minute {
		return
	}
	if r.OnConn != nil {
		r.OnConn(c.RemoteAddr(), mss, req[0], n)
	}
	start := time.Now()
	switch req[0] {
	case opUpload:
		_ = c.SetReadDeadline(start.Add(limit))
		got, _ := io.CopyN(io.Discard, c, n)
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		var out [8]byte
		binary.BigEndian.PutUint64(out[:], uint64(got))
		_, _ = c.Write(out[:])
	case opDownload:
		_ = c.SetWriteDeadline(start.Add(limit))
		_, _ = io.CopyN(c, zeros{}, n)
	}
}
