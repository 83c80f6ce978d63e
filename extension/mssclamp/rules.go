//go:build linux

package mssclamp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Names of what the clamp owns in nftables. Nothing else is touched.
const (
	TableName = "tailos-mssclamp"
	ChainName = "forward"
)

// DefaultInterface is the interface tailscaled creates.
const DefaultInterface = "tailscale0"

// Rules writes and removes the clamp's nftables table in one network
// namespace.
type Rules struct {
	// Interface is matched by name on the way in and out (default tailscale0).
	Interface string
	// NetNS, when not 0, is a file descriptor of the network namespace to
	// work in; 0 means this process's.
	NetNS int
}

func (r *Rules) conn() (*nftables.Conn, error) {
	var opts []nftables.ConnOption
	if r.NetNS != 0 {
		opts = append(opts, nftables.WithNetNSFd(r.NetNS))
	}
	c, err := nftables.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("opening nftables: %w", err)
	}
	return c, nil
}

func (r *Rules) ifname() string {
	if r.Interface == "" {
		return DefaultInterface
	}
	return r.Interface
}

var table = &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet}

func chain() *nftables.Chain {
	accept := nftables.ChainPolicyAccept
	return &nftables.Chain{
		Name:     ChainName,
		Table:    table,
		Type:     nftables.ChainTypeFilter,
		Hooknum:  nftables.ChainHookForward,
		Priority: nftables.ChainPriorityMangle,
		Policy:   &accept,
	}
}

// Apply installs or replaces the clamp for a path MTU of mtu bytes in one
// atomic transaction: the table is created if missing, its chain emptied and
// refilled, so packets never see a half-written rule set.
func (r *Rules) Apply(mtu int) error {
	if len(r.ifname()) >= unix.IFNAMSIZ {
		return fmt.Errorf("interface name %q is longer than %d bytes", r.ifname(), unix.IFNAMSIZ-1)
	}
	c, err := r.conn()
	if err != nil {
		return err
	}
	v4, v6 := MSS(mtu)
	c.AddTable(table)
	ch := c.AddChain(chain())
	c.FlushChain(ch)
	for _, dir := range []expr.MetaKey{expr.MetaKeyOIFNAME, expr.MetaKeyIIFNAME} {
		for _, fam := range []struct {
			proto byte
			mss   uint16
		}{{unix.NFPROTO_IPV4, v4}, {unix.NFPROTO_IPV6, v6}} {
			c.AddRule(&nftables.Rule{Table: table, Chain: ch, Exprs: clampExprs(dir, r.ifname(), fam.proto, fam.mss)})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("installing nftables table inet %s (MSS %d/%d): %w", TableName, v4, v6, err)
	}
	return nil
}

// Remove deletes the clamp's table; a missing table is not an error.
func (r *Rules) Remove() error {
	c, err := r.conn()
	if err != nil {
		return err
	}
	c.DelTable(table)
	if err := c.Flush(); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("removing nftables table inet %s: %w", TableName, err)
	}
	return nil
}

// Installed is one clamp rule as read back from the kernel.
type Installed struct {
	Incoming bool   // matches iifname (traffic from the tailnet) rather than oifname
	IPv6     bool   // matches IPv6 rather than IPv4
	MSS      uint16 // the value SYNs are clamped to
}

// List reads back the clamp's rules; no table gives an empty list.
func (r *Rules) List() ([]Installed, error) {
	c, err := r.conn()
	if err != nil {
		return nil, err
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, fmt.Errorf("listing nftables tables: %w", err)
	}
	found := false
	for _, t := range tables {
		found = found || t.Name == TableName
	}
	if !found {
		return nil, nil
	}
	rules, err := c.GetRules(table, chain())
	if err != nil {
		return nil, fmt.Errorf("reading nftables chain %s: %w", ChainName, err)
	}
	var out []Installed
	for _, rule := range rules {
		var in Installed
		ok := false
		for _, e := range rule.Exprs {
			switch e := e.(type) {
			case *expr.Meta:
				in.Incoming = in.Incoming || e.Key == expr.MetaKeyIIFNAME
			case *expr.Cmp:
				if len(e.Data) == 1 && e.Data[0] == unix.NFPROTO_IPV6 {
					in.IPv6 = true
				}
			case *expr.Immediate:
				if len(e.Data) == 2 {
					in.MSS, ok = binary.BigEndian.Uint16(e.Data), true
				}
			}
		}
		if ok {
			out = append(out, in)
		}
	}
	return out, nil
}

// TCP option kind 2 is the MSS; its value is 2 bytes at offset 2.
const (
	tcpoptMaxseg    = 2
	tcpoptMaxsegOff = 2
	tcpoptMaxsegLen = 2
	tcpFlagsOffset  = 13
	tcpSYN          = 0x02
	tcpRST          = 0x04
)

// clampExprs is, in nft syntax:
//
//	meta nfproto <fam> meta l4proto tcp <dir> "<ifname>"
//	tcp flags & (syn|rst) == syn tcp option maxseg size > <mss>
//	tcp option maxseg size set <mss>
//
// SYNs without an MSS option are left alone (the exthdr load fails the rule).
func clampExprs(dir expr.MetaKey, ifname string, fam byte, mss uint16) []expr.Any {
	name := make([]byte, unix.IFNAMSIZ)
	copy(name, ifname)
	val := binary.BigEndian.AppendUint16(nil, mss)
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{fam}},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Meta{Key: dir, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: name},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: tcpFlagsOffset, Len: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{tcpSYN | tcpRST}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{tcpSYN}},
		&expr.Exthdr{Op: expr.ExthdrOpTcpopt, Type: tcpoptMaxseg, Offset: tcpoptMaxsegOff, Len: tcpoptMaxsegLen, DestRegister: 1},
		&expr.Cmp{Op: expr.CmpOpGt, Register: 1, Data: val},
		&expr.Immediate{Register: 1, Data: val},
		&expr.Exthdr{Op: expr.ExthdrOpTcpopt, Type: tcpoptMaxseg, Offset: tcpoptMaxsegOff, Len: tcpoptMaxsegLen, SourceRegister: 1},
	}
}
