//go:build linux

package lab_test

import (
	"io"
	"net"
	"time"
)

// transfer sends up to total bytes over TCP from fromNS to a listener in
// toNS for at most limit, and returns how many bytes the receiver got and
// how long that took. A stalled path returns early with few bytes.
func transfer(fromNS, toNS, listenAddr, dialAddr string, total int64, limit time.Duration) (int64, time.Duration, error) {
	ln, err := listen(toNS, listenAddr)
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- 0
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(limit + 5*time.Second))
		n, _ := io.Copy(io.Discard, c)
		got <- n
	}()
	c, err := dial(fromNS, dialAddr, 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	_ = c.SetWriteDeadline(start.Add(limit))
	buf := make([]byte, 64<<10)
	var sent int64
	for sent < total {
		n, err := c.Write(buf)
		sent += int64(n)
		if err != nil {
			break
		}
	}
	// A closed connection drops unsent data: the receiver counts what crossed.
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	var n int64
	select {
	case n = <-got:
	case <-time.After(time.Until(start.Add(limit + 6*time.Second))):
	}
	elapsed := time.Since(start)
	c.Close()
	return n, elapsed, nil
}

// mbps is bytes over a duration in megabits per second.
func mbps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) * 8 / d.Seconds() / 1e6
}
