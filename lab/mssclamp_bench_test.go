//go:build linux

package lab_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
)

// BenchmarkTalosMSSClampThroughput measures bulk TCP through a real Talos
// subnet router (node-1, tailscale0 at 1280) between the LAN host behind it
// and node-2 (tailscale0 at the lab's 1440), both ways, with the clamp and
// without, on a path where ICMP works: unclamped, the LAN host learns the
// path MTU from the router's frag-needed; clamped, its segments fit from
// the start. The clamp must not cost throughput here. The lab's other
// traffic is nil, but the machine's is not: compare rounds, not runs.
// Report: go test ./lab -run '^$' -bench TalosMSSClampThroughput -benchtime 3x
func BenchmarkTalosMSSClampThroughput(b *testing.B) {
	needLabB(b)
	o := lab.Options{Nodes: 2, Dir: shortDir(b)}
	track(o.Dir, true)
	defer track(o.Dir, false)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	l, err := lab.Up(ctx, o)
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Down(context.Background())
	n1, n2 := l.Nodes[0], l.Nodes[1]
	lanNS, host := behindNS(l, 0), n1.Behind[0].String()
	setNodeEnv(b, l, n1, "TS_DEBUG_MTU=1280")
	port := 7300
	// Alternating rounds, so that a machine getting busier or quieter over
	// the run does not favour one side; a repeated name gets a #01 suffix.
	for i, clamp := range []string{"auto", "off", "auto", "off"} {
		if i > 0 {
			setNodeEnv(b, l, n1, "TAILOS_MSS_CLAMP="+clamp)
		}
		waitClampRules(b, n1, clamp == "auto")
		reachBehind(b, l)
		for _, dir := range []string{"lan-to-peer", "peer-to-lan"} {
			b.Run("clamp="+clamp+"/"+dir, func(b *testing.B) {
				var moved int64
				var spent time.Duration
				for i := 0; i < b.N; i++ {
					port++
					addr := net.JoinHostPort(host, strconv.Itoa(port))
					var n int64
					var d time.Duration
					var err error
					if dir == "lan-to-peer" {
						n, d, err = pull(n2.Netns, lanNS, addr, benchChunk, 60*time.Second)
					} else {
						n, d, err = transfer(n2.Netns, lanNS, addr, addr, benchChunk, 60*time.Second)
					}
					if err != nil {
						b.Fatal(err)
					}
					if n != benchChunk {
						b.Fatalf("moved %d of %d bytes", n, benchChunk)
					}
					moved += n
					spent += d
				}
				b.ReportMetric(mbps(moved, spent), "Mbit/s")
			})
		}
	}
}

// pull has a listener in srcNS send total bytes to a connection dialled
// from dstNS, and returns how many arrived within limit and how long they
// took from the dial: the LAN host sending to a peer that opened the
// connection, as a download through a subnet router does.
func pull(dstNS, srcNS, addr string, total int64, limit time.Duration) (int64, time.Duration, error) {
	ln, err := listen(srcNS, addr)
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetWriteDeadline(time.Now().Add(limit))
		buf := make([]byte, 64<<10)
		for sent := int64(0); sent < total; {
			n, err := c.Write(buf[:min(int64(len(buf)), total-sent)])
			sent += int64(n)
			if err != nil {
				return
			}
		}
	}()
	start := time.Now()
	c, err := dial(dstNS, addr, 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	_ = c.SetReadDeadline(start.Add(limit))
	n, _ := io.Copy(io.Discard, io.LimitReader(c, total))
	return n, time.Since(start), nil
}
