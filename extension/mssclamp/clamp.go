//go:build linux

package mssclamp

import (
	"context"
	"errors"
	"fmt"

	"github.com/jsimonetti/rtnetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Config says what to clamp and where.
type Config struct {
	Mode Mode
	// Interface is the tunnel interface (default tailscale0).
	Interface string
	// NetNS, when not 0, is a file descriptor of the network namespace to
	// work in; 0 means this process's.
	NetNS int
	// Logf, when set, is told about every change to the rules.
	Logf func(format string, args ...any)
}

// Run keeps the clamp in place until ctx ends, then removes its table. In
// auto mode the rules follow the interface's MTU: they are written when the
// interface appears and rewritten whenever it is recreated or its MTU
// changes. With a fixed MTU they are written at once (the match is by name,
// so they take effect whenever the interface exists). With Mode.Off any
// table left by an earlier run is removed and Run returns.
func Run(ctx context.Context, cfg Config) error {
	rules := &Rules{Interface: cfg.Interface, NetNS: cfg.NetNS}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if cfg.Mode.Off {
		return rules.Remove()
	}
	// Subscribe before looking, so that no change falls between the two.
	conn, err := rtnetlink.Dial(&netlink.Config{Groups: unix.RTMGRP_LINK, NetNS: cfg.NetNS})
	if err != nil {
		return fmt.Errorf("subscribing to link changes: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	w := &watcher{cfg: cfg, rules: rules, logf: logf}
	err = w.loop(ctx, conn)
	if !stop() {
		err = nil // the connection was closed because ctx ended
	} else {
		conn.Close()
	}
	if rerr := rules.Remove(); rerr != nil {
		return errors.Join(err, rerr)
	}
	logf("mssclamp: removed nftables table inet %s", TableName)
	return err
}

type watcher struct {
	cfg   Config
	rules *Rules
	logf  func(string, ...any)
	// what the rules were last written for
	index uint32
	mtu   int
}

func (w *watcher) ifname() string { return w.rules.ifname() }

func (w *watcher) loop(ctx context.Context, conn *rtnetlink.Conn) error {
	if w.cfg.Mode.MTU != 0 {
		if err := w.apply(0, w.cfg.Mode.MTU); err != nil {
			return err
		}
	} else {
		// A separate request socket: the subscribed one carries only events.
		if err := w.initial(); err != nil {
			return err
		}
	}
	for {
		_, msgs, err := conn.Receive()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// The socket's buffer overflowed (a burst of link changes):
			// events were lost, so look at the interface afresh.
			if errors.Is(err, unix.ENOBUFS) {
				if err := w.initial(); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("reading link changes: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type != unix.RTM_NEWLINK {
				// RTM_DELLINK: the rules stay and match nothing until the
				// interface is back.
				continue
			}
			var lm rtnetlink.LinkMessage
			if err := lm.UnmarshalBinary(m.Data); err != nil || lm.Attributes == nil || lm.Attributes.Name != w.ifname() {
				continue
			}
			if err := w.event(&lm); err != nil {
				return err
			}
		}
	}
}

func (w *watcher) initial() error {
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: w.cfg.NetNS})
	if err != nil {
		return fmt.Errorf("opening rtnetlink: %w", err)
	}
	defer c.Close()
	links, err := c.Link.List()
	if err != nil {
		return fmt.Errorf("listing links: %w", err)
	}
	for i := range links {
		if links[i].Attributes != nil && links[i].Attributes.Name == w.ifname() {
			return w.event(&links[i])
		}
	}
	w.logf("mssclamp: waiting for %s", w.ifname())
	return nil
}

// event handles a link message for the interface. Fixed-MTU rules do not
// depend on the interface, but are rewritten when it is recreated in case
// anything removed them meanwhile.
func (w *watcher) event(lm *rtnetlink.LinkMessage) error {
	if lm.Attributes == nil || lm.Index == 0 {
		return nil
	}
	mtu := int(lm.Attributes.MTU)
	if w.cfg.Mode.MTU != 0 {
		mtu = w.cfg.Mode.MTU
	}
	if lm.Index == w.index && mtu == w.mtu {
		return nil
	}
	return w.apply(lm.Index, mtu)
}

func (w *watcher) apply(index uint32, mtu int) error {
	if mtu < MinMTU {
		w.logf("mssclamp: %s has MTU %d, below %d: not clamping", w.ifname(), mtu, MinMTU)
		return nil
	}
	if err := w.rules.Apply(mtu); err != nil {
		return err
	}
	w.index, w.mtu = index, mtu
	v4, v6 := MSS(mtu)
	w.logf("mssclamp: clamping TCP MSS on %s to %d (IPv4) / %d (IPv6) for path MTU %d", w.ifname(), v4, v6, mtu)
	return nil
}
