package mtu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Method is how Probe learns whether a packet size reached the peer.
type Method string

const (
	// MethodUDP sends don't-fragment UDP datagrams to a Responder, which
	// answers each with the size it received. It works as a normal user.
	MethodUDP Method = "udp"
	// MethodICMP sends don't-fragment ICMP echo requests. It needs
	// CAP_NET_RAW or the caller's group in net.ipv4.ping_group_range.
	MethodICMP Method = "icmp"
)

// DefaultPort is the UDP port a Responder listens on unless told otherwise.
const DefaultPort = 41699

// Probe defaults, chosen so that a probe over a LAN ends within seconds
// even when every oversized packet is silently dropped.
const (
	DefaultProbeTimeout = 10 * time.Second
	DefaultWait         = time.Second
	DefaultAttempts     = 2
	DefaultMaxProbes    = 40
	minWait             = 100 * time.Millisecond
)

// ProbeOptions says what to measure and how long it may take.
type ProbeOptions struct {
	// Host is the peer: an IP address or a name.
	Host string
	// Port is the Responder's UDP port (MethodUDP); 0 means DefaultPort.
	Port int
	// Family restricts Host to IPv4 or IPv6; 0 takes what Host resolves
	// to, IPv4 first.
	Family Family
	// Method is MethodUDP (default) or MethodICMP.
	Method Method
	// Min is the smallest packet size searched, known or assumed to fit;
	// 0 means 576 over IPv4 and 1280 over IPv6.
	Min int
	// Max is the largest packet size searched; 0 means the MTU of the
	// local interface towards Host (at most 65535).
	Max int
	// Timeout bounds the whole probe; 0 means DefaultProbeTimeout.
	Timeout time.Duration
	// Wait bounds the wait for one reply; 0 means DefaultWait. After the
	// first reply it shrinks to 8 round trips (at least 100ms).
	Wait time.Duration
	// Attempts is how many packets of one size are sent before the size
	// is judged too big; 0 means DefaultAttempts.
	Attempts int
	// MaxProbes bounds the packets sent; 0 means DefaultMaxProbes.
	MaxProbes int
	// OnStep, when set, is called after each size is judged.
	OnStep func(Step)
}

// Outcome is what one probe size showed.
type Outcome string

const (
	// OutcomeFits means the peer answered a packet of this size.
	OutcomeFits Outcome = "fits"
	// OutcomeTooBigLocal means the local interface MTU is smaller (EMSGSIZE on send).
	OutcomeTooBigLocal Outcome = "too-big-local"
	// OutcomeTooBigPath means a router on the path answered "fragmentation needed" /
	// "packet too big".
	OutcomeTooBigPath Outcome = "too-big-path"
	// OutcomeNoReply means no answer within the wait, every attempt: dropped on the way.
	OutcomeNoReply Outcome = "no-reply"
)

// Step is one size judged during the search.
type Step struct {
	// Size is the IP packet size: IP header + UDP or ICMP header + payload.
	Size    int           `json:"size"`
	Outcome Outcome       `json:"outcome"`
	Sent    int           `json:"sent"`
	RTT     time.Duration `json:"rttNs,omitempty"`
	// Low and High bound the path MTU after this step: Low fits, High
	// does not (High is Max+1 while nothing has failed).
	Low  int `json:"low"`
	High int `json:"high"`
}

func (s Step) String() string {
	out := string(s.Outcome)
	if s.Outcome == OutcomeFits {
		out += " (rtt " + s.RTT.Round(time.Microsecond).String() + ")"
	}
	return fmt.Sprintf("probe %5d bytes: %-28s path MTU in [%d, %d]", s.Size, out, s.Low, s.High-1)
}

// ProbeResult is the measured path MTU and how it was found.
type ProbeResult struct {
	Host   string `json:"host"`
	Addr   string `json:"addr"`
	Method Method `json:"method"`
	// Socket is the kind of socket used: "udp", "icmp-ping" (unprivileged)
	// or "icmp-raw".
	Socket string `json:"socket"`
	Family Family `json:"family"`
	// Interface and LocalMTU describe the local interface towards Host.
	Interface string `json:"interface,omitempty"`
	LocalMTU  int    `json:"localMTU,omitempty"`
	// PathMTU is the largest IP packet that reached the peer unfragmented.
	PathMTU int `json:"pathMTU"`
	// Exact is false when the search stopped (probe or time budget) before
	// narrowing to one size; PathMTU is then the largest size that fitted.
	Exact   bool          `json:"exact"`
	Probes  int           `json:"probes"`
	Steps   []Step        `json:"steps"`
	Elapsed time.Duration `json:"elapsedNs"`
}

// prober sends one packet of a given IP size and waits for its answer.
type prober interface {
	// send transmits a packet of IP size size tagged seq.
	send(size int, seq uint64) error
	// await waits until deadline for the answer to seq.
	await(seq uint64, deadline time.Time) error
	close() error
	// socket names the kind of socket, for ProbeResult.Socket.
	socket() string
}

// errNoReply is await's verdict when nothing came back in time.
var errNoReply = errors.New("no reply")

// Probe measures the path MTU to a peer with don't-fragment probes: a
// binary search between Min and Max, bounded in time and packets.
//
// When Host is an IP address, Probe opens its sockets and reads the
// interface list on the calling goroutine only, so it may run on an OS
// thread locked into another network namespace.
func Probe(ctx context.Context, o ProbeOptions) (ProbeResult, error) {
	start := time.Now()
	if err := o.defaults(); err != nil {
		return ProbeResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	addr, err := resolve(ctx, o.Host, o.Family)
	if err != nil {
		return ProbeResult{}, err
	}
	fam := IPv4
	if addr.Is6() {
		fam = IPv6
	}
	res := ProbeResult{Host: o.Host, Addr: addr.String(), Method: o.Method, Family: fam}
	res.Interface, res.LocalMTU, err = routeMTU(addr, o.Port)
	if err != nil {
		return res, err
	}
	lo, hi := o.Min, o.Max
	if lo == 0 {
		lo = IPv4MinDatagram
		if fam == IPv6 {
			lo = IPv6Minimum
		}
	}
	if hi == 0 {
		hi = min(res.LocalMTU, MaxUnderlay)
	}
	if lo > hi {
		return res, fmt.Errorf("nothing to search: smallest size %d is above largest %d (local interface %s has MTU %d)", lo, hi, res.Interface, res.LocalMTU)
	}

	var p prober
	switch o.Method {
	case MethodUDP:
		p, err = dialUDP(addr, o.Port)
	case MethodICMP:
		p, err = dialICMP(addr)
	}
	if err != nil {
		return res, err
	}
	defer p.close()
	res.Socket = p.socket()

	s := search{ctx: ctx, p: p, o: &o, res: &res, wait: o.Wait, low: 0, high: hi + 1}
	// The smallest size must fit, or the peer is unreachable: it also
	// measures the round trip that sets the wait for the rest.
	st, err := s.try(lo)
	if err != nil {
		return res, err
	}
	if st.Outcome != OutcomeFits {
		return res, s.unreachable(lo, st.Outcome)
	}
	if lo < hi {
		if _, err := s.try(hi); err != nil {
			return res, err
		}
	}
	for s.high-s.low > 1 {
		if s.spent() {
			break
		}
		if _, err := s.try((s.low + s.high) / 2); err != nil {
			return res, err
		}
	}
	res.PathMTU = s.low
	res.Exact = s.high-s.low == 1
	res.Elapsed = time.Since(start)
	return res, nil
}

func (o *ProbeOptions) defaults() error {
	if o.Host == "" {
		return errors.New("no host to probe")
	}
	if !o.Family.Valid() {
		return fmt.Errorf("family %d: must be 4 or 6", int(o.Family))
	}
	switch o.Method {
	case "":
		o.Method = MethodUDP
	case MethodUDP, MethodICMP:
	default:
		return fmt.Errorf("method %q: must be %q or %q", o.Method, MethodUDP, MethodICMP)
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Port < 1 || o.Port > 65535 {
		return fmt.Errorf("port %d: must be 1–65535", o.Port)
	}
	if o.Min != 0 && (o.Min < IPv4MinDatagram || o.Min > MaxUnderlay) {
		return fmt.Errorf("smallest size %d: must be %d–%d", o.Min, IPv4MinDatagram, MaxUnderlay)
	}
	if o.Max != 0 && (o.Max < IPv4MinDatagram || o.Max > MaxUnderlay) {
		return fmt.Errorf("largest size %d: must be %d–%d", o.Max, IPv4MinDatagram, MaxUnderlay)
	}
	if o.Timeout < 0 || o.Wait < 0 || o.Attempts < 0 || o.MaxProbes < 0 {
		return errors.New("timeout, wait, attempts and max probes must not be negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultProbeTimeout
	}
	if o.Wait == 0 {
		o.Wait = DefaultWait
	}
	if o.Attempts == 0 {
		o.Attempts = DefaultAttempts
	}
	if o.MaxProbes == 0 {
		o.MaxProbes = DefaultMaxProbes
	}
	if o.MaxProbes < 2 {
		return fmt.Errorf("max probes %d: at least 2 are needed (smallest and largest size)", o.MaxProbes)
	}
	return nil
}

// search is the state of one binary search.
type search struct {
	ctx       context.Context
	p         prober
	o         *ProbeOptions
	res       *ProbeResult
	wait      time.Duration
	seq       uint64
	low, high int // low fits (0: nothing yet), high does not
}

// spent reports whether the time or packet budget is used up.
func (s *search) spent() bool {
	return s.ctx.Err() != nil || s.res.Probes >= s.o.MaxProbes
}

// try judges one size, sending up to Attempts packets.
func (s *search) try(size int) (Step, error) {
	st := Step{Size: size, Outcome: OutcomeNoReply}
	cut := false // the budget ran out before every attempt had its full wait
	for a := 0; a < s.o.Attempts; a++ {
		if s.spent() {
			cut = true
			break
		}
		s.seq++
		s.res.Probes++
		st.Sent++
		sent := time.Now()
		if err := s.p.send(size, s.seq); err != nil {
			if isMsgSize(err) {
				st.Outcome = OutcomeTooBigLocal
				break
			}
			return st, s.fatal(err)
		}
		deadline := sent.Add(s.wait)
		if d, ok := s.ctx.Deadline(); ok && d.Before(deadline) {
			deadline, cut = d, true
		}
		err := s.p.await(s.seq, deadline)
		if err == nil {
			st.Outcome, st.RTT = OutcomeFits, time.Since(sent)
			// Later waits need not be longer than a few round trips.
			s.wait = min(s.o.Wait, max(minWait, 8*st.RTT))
			break
		}
		if errors.Is(err, errNoReply) {
			continue
		}
		if isMsgSize(err) {
			st.Outcome = OutcomeTooBigPath
			break
		}
		return st, s.fatal(err)
	}
	switch {
	case st.Outcome == OutcomeFits:
		s.low = max(s.low, size)
	case st.Outcome == OutcomeNoReply && cut:
		// Silence within a cut-short wait proves nothing.
	default:
		s.high = min(s.high, size)
	}
	st.Low, st.High = s.low, s.high
	s.res.Steps = append(s.res.Steps, st)
	if s.o.OnStep != nil {
		s.o.OnStep(st)
	}
	return st, nil
}

// unreachable explains why even the smallest size got no answer.
func (s *search) unreachable(size int, out Outcome) error {
	if s.ctx.Err() != nil {
		return fmt.Errorf("probing %s: gave up after %s: %w", s.res.Addr, s.o.Timeout, s.ctx.Err())
	}
	if out != OutcomeNoReply {
		return fmt.Errorf("a %d-byte probe to %s is already too big (%s): the path MTU is below the search range", size, s.res.Addr, out)
	}
	if s.o.Method == MethodUDP {
		return fmt.Errorf("no reply from %s to a %d-byte probe within %s (%d attempts): is `tailos mtu responder` running there, and is UDP port %d open on the way?",
			net.JoinHostPort(s.res.Addr, strconv.Itoa(s.o.Port)), size, s.o.Wait, s.o.Attempts, s.o.Port)
	}
	return fmt.Errorf("no ICMP echo reply from %s to a %d-byte probe within %s (%d attempts): the host may drop pings; try the UDP method with `tailos mtu responder` there",
		s.res.Addr, size, s.o.Wait, s.o.Attempts)
}

// fatal turns an unexpected socket error into an explanation.
func (s *search) fatal(err error) error {
	if isConnRefused(err) {
		return fmt.Errorf("nothing listens on UDP %s: start `tailos mtu responder` there first",
			net.JoinHostPort(s.res.Addr, strconv.Itoa(s.o.Port)))
	}
	return fmt.Errorf("probing %s: %w", s.res.Addr, err)
}

// resolve returns the address of host in family f (IPv4 first when f is 0).
func resolve(ctx context.Context, host string, f Family) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if f == IPv4 && !a.Is4() || f == IPv6 && !a.Is6() {
			return netip.Addr{}, fmt.Errorf("%s is not an %s address", host, f)
		}
		return a, nil
	}
	network := "ip"
	switch f {
	case IPv4:
		network = "ip4"
	case IPv6:
		network = "ip6"
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolving %s: %w", host, err)
	}
	for _, want4 := range []bool{true, false} {
		for _, a := range addrs {
			if a.Unmap().Is4() == want4 {
				return a.Unmap(), nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("resolving %s: no %s address", host, network)
}

// routeMTU finds the local interface the kernel routes addr through, and
// its MTU. Connecting a UDP socket sends nothing.
func routeMTU(addr netip.Addr, port int) (string, int, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port))))
	if err != nil {
		return "", 0, fmt.Errorf("no route to %s: %w", addr, err)
	}
	local := c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	c.Close()
	ifs, err := net.Interfaces()
	if err != nil {
		return "", 0, fmt.Errorf("listing interfaces: %w", err)
	}
	for _, ifi := range ifs {
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Unmap() == local.WithZone("") {
				return ifi.Name, ifi.MTU, nil
			}
		}
	}
	return "", 0, fmt.Errorf("no local interface holds %s, the source address towards %s: state the largest size to search", local, addr)
}
