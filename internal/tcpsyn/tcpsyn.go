// Package tcpsyn reads the MSS option of captured TCP handshake packets: the
// value an MSS clamp rewrites, as the lab and the clamp's tests see it.
package tcpsyn

import "encoding/binary"

const (
	protoTCP  = 6
	optEnd    = 0
	optNOP    = 1
	optMSS    = 2
	flagSYN   = 0x02
	flagSYNAC = 0x12
)

// MSS returns the MSS option of an IPv4 TCP SYN to port (synAck false) or
// of a SYN-ACK from port (synAck true); false for any other packet or a
// malformed option list.
func MSS(p []byte, port uint16, synAck bool) (uint16, bool) {
	if len(p) < 20 || p[0]>>4 != 4 || p[9] != protoTCP {
		return 0, false
	}
	ihl := int(p[0]&0xf) * 4
	if ihl < 20 || ihl > len(p) {
		return 0, false
	}
	tcp := p[ihl:]
	if len(tcp) < 20 {
		return 0, false
	}
	flags, at := tcp[13]&flagSYNAC, binary.BigEndian.Uint16(tcp[2:])
	want := byte(flagSYN)
	if synAck {
		at, want = binary.BigEndian.Uint16(tcp[0:]), flagSYNAC
	}
	if at != port || flags != want {
		return 0, false
	}
	opts := tcp[20:min(len(tcp), max(20, int(tcp[12]>>4)*4))]
	for len(opts) > 0 {
		switch opts[0] {
		case optEnd:
			return 0, false
		case optNOP:
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || int(opts[1]) < 2 || int(opts[1]) > len(opts) {
			return 0, false
		}
		if opts[0] == optMSS && opts[1] == 4 {
			return binary.BigEndian.Uint16(opts[2:]), true
		}
		opts = opts[opts[1]:]
	}
	return 0, false
}
