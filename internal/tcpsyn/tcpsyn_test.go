package tcpsyn

import "testing"

// packet builds an IPv4 TCP packet from src to dst port with flags and the
// given TCP options (padded to a multiple of 4).
func packet(src, dst uint16, flags byte, opts ...byte) []byte {
	for len(opts)%4 != 0 {
		opts = append(opts, 0)
	}
	ip := make([]byte, 20)
	ip[0], ip[9] = 0x45, 6
	tcp := make([]byte, 20, 20+len(opts))
	tcp[0], tcp[1], tcp[2], tcp[3] = byte(src>>8), byte(src), byte(dst>>8), byte(dst)
	tcp[12], tcp[13] = byte((20+len(opts))/4)<<4, flags
	return append(ip, append(tcp, opts...)...)
}

func TestMSS(t *testing.T) {
	mss1240 := []byte{2, 4, 0x04, 0xd8}
	tests := []struct {
		name   string
		p      []byte
		synAck bool
		want   uint16
		ok     bool
	}{
		{"SYN to the port", packet(40000, 7300, 0x02, mss1240...), false, 1240, true},
		{"SYN after NOPs and SACK-permitted", packet(40000, 7300, 0x02, append([]byte{1, 1, 4, 2}, mss1240...)...), false, 1240, true},
		{"SYN to another port", packet(40000, 7301, 0x02, mss1240...), false, 0, false},
		{"SYN-ACK is not a SYN", packet(7300, 40000, 0x12, mss1240...), false, 0, false},
		{"SYN-ACK from the port", packet(7300, 40000, 0x12, mss1240...), true, 1240, true},
		{"SYN is not a SYN-ACK", packet(40000, 7300, 0x02, mss1240...), true, 0, false},
		{"no MSS option", packet(40000, 7300, 0x02, 1, 1, 1, 1), false, 0, false},
		{"end of options first", packet(40000, 7300, 0x02, append([]byte{0, 0, 0, 0}, mss1240...)...), false, 0, false},
		{"option longer than the header", packet(40000, 7300, 0x02, 3, 9, 0, 0), false, 0, false},
		{"truncated", packet(40000, 7300, 0x02, mss1240...)[:30], false, 0, false},
		{"not TCP", func() []byte { p := packet(40000, 7300, 0x02, mss1240...); p[9] = 17; return p }(), false, 0, false},
		{"IPv6", func() []byte { p := packet(40000, 7300, 0x02, mss1240...); p[0] = 0x60; return p }(), false, 0, false},
	}
	for _, tt := range tests {
		got, ok := MSS(tt.p, 7300, tt.synAck)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: MSS = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
