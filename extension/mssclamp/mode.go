//go:build linux

package mssclamp

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits on a fixed clamp MTU: below IPv4's minimum datagram size or above
// the largest jumbo frame is a typo, not a path.
const (
	MinMTU = 576
	MaxMTU = 9000
)

// Mode is how the clamp picks the MTU it clamps to.
type Mode struct {
	// Off disables the clamp.
	Off bool
	// MTU is a fixed path MTU in bytes; 0 means auto: the MTU of the
	// watched interface, read again whenever it changes.
	MTU int
}

// ParseMode reads "auto", "off" or a path MTU in bytes ("1200"). The empty
// string is auto.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Mode{}, nil
	case "off":
		return Mode{Off: true}, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return Mode{}, fmt.Errorf("mss clamp %q: want auto, off or a path MTU in bytes", s)
	}
	if n < MinMTU || n > MaxMTU {
		return Mode{}, fmt.Errorf("mss clamp %d: path MTU must be between %d and %d bytes", n, MinMTU, MaxMTU)
	}
	return Mode{MTU: n}, nil
}

func (m Mode) String() string {
	switch {
	case m.Off:
		return "off"
	case m.MTU == 0:
		return "auto"
	}
	return strconv.Itoa(m.MTU)
}

// MSS is the largest TCP payload that fits a packet of mtu bytes: the MTU
// less the IP and TCP headers without options (20+20 for IPv4, 40+20 for
// IPv6).
func MSS(mtu int) (v4, v6 uint16) {
	return clampU16(mtu - 40), clampU16(mtu - 60)
}

func clampU16(n int) uint16 {
	switch {
	case n < 0:
		return 0
	case n > 0xffff:
		return 0xffff
	}
	return uint16(n)
}
