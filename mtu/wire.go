package mtu

import (
	"encoding/binary"
	"errors"
)

// The UDP probe protocol. A probe is probeMagic, a sequence number and
// padding up to the size being tested; the answer is replyMagic, the same
// sequence number and the UDP payload length received. Answers are small,
// so the return path's MTU does not matter and a Responder amplifies nothing.
var (
	probeMagic = [8]byte{'t', 'a', 'i', 'l', 'o', 's', 'M', '?'}
	replyMagic = [8]byte{'t', 'a', 'i', 'l', 'o', 's', 'M', '!'}
)

const (
	probeHeader = 16 // magic + sequence number
	replyLen    = 20 // magic + sequence number + received length
)

// ipUDPHeader is the IP + UDP header length for the family of a, which is
// what separates a UDP payload from the IP packet size being tested.
func ipUDPHeader(is6 bool) int {
	if is6 {
		return IPv6Header + UDPHeader
	}
	return IPv4Header + UDPHeader
}

func encodeProbe(buf []byte, seq uint64) {
	copy(buf, probeMagic[:])
	binary.BigEndian.PutUint64(buf[8:], seq)
}

func encodeReply(seq uint64, got int) []byte {
	b := make([]byte, replyLen)
	copy(b, replyMagic[:])
	binary.BigEndian.PutUint64(b[8:], seq)
	binary.BigEndian.PutUint32(b[16:], uint32(got))
	return b
}

// decodeProbe returns the sequence number of a probe.
func decodeProbe(b []byte) (uint64, error) {
	if len(b) < probeHeader || [8]byte(b[:8]) != probeMagic {
		return 0, errors.New("not a probe")
	}
	return binary.BigEndian.Uint64(b[8:]), nil
}

// decodeReply returns the sequence number and received length of an answer.
func decodeReply(b []byte) (seq uint64, got int, err error) {
	if len(b) < replyLen || [8]byte(b[:8]) != replyMagic {
		return 0, 0, errors.New("not a probe reply")
	}
	return binary.BigEndian.Uint64(b[8:]), int(binary.BigEndian.Uint32(b[16:])), nil
}
