//go:build linux

package lab_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tailos/tailos/lab"
)

// listen opens a TCP listener inside a namespace.
func listen(ns, addr string) (net.Listener, error) {
	var ln net.Listener
	err := lab.InNetns(ns, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	return ln, err
}

// dial connects from inside a namespace.
func dial(ns, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := lab.InNetns(ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, timeout)
		return err
	})
	return c, err
}

// echo serves one connection that echoes a line back.
func echoOnce(ln net.Listener) {
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		_, _ = io.Copy(c, io.LimitReader(c, 64))
	}()
}

// exchange sends a message from ns to addr and checks it comes back.
func exchange(fromNS, toNS, listenAddr, dialAddr string) error {
	ln, err := listen(toNS, listenAddr)
	if err != nil {
		return fmt.Errorf("listen in %s: %w", toNS, err)
	}
	defer ln.Close()
	echoOnce(ln)
	c, err := dial(fromNS, dialAddr, 10*time.Second)
	if err != nil {
		return fmt.Errorf("dial %s from %s: %w", dialAddr, fromNS, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	msg := []byte("hello across the tailnet")
	if _, err := c.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("reading echo: %w", err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("echo %q, want %q", got, msg)
	}
	return nil
}
