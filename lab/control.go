//go:build linux

package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ControlSocket is the supervisor's socket in a lab directory.
const ControlSocket = "control.sock"

// Request is one command to a lab's supervisor.
type Request struct {
	Op   string `json:"op"` // status, restart, wipe, down
	Node string `json:"node,omitempty"`
}

// Response is the supervisor's answer.
type Response struct {
	Error  string  `json:"error,omitempty"`
	Status *Status `json:"status,omitempty"`
}

// ErrNoSupervisor means nothing answers on the lab's control socket.
var ErrNoSupervisor = errors.New("no lab supervisor answers")

// Serve answers requests on dir/control.sock until ctx ends or a "down"
// request has torn the lab down; either way the lab is down on return.
func (l *Lab) Serve(ctx context.Context) error {
	path := filepath.Join(l.Dir, ControlSocket)
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		if down := l.handle(ctx, c); down {
			cancel()
			return nil
		}
	}
	return l.Down(context.Background())
}

// handle serves one request; it reports whether the lab went down.
func (l *Lab) handle(ctx context.Context, c net.Conn) bool {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var req Request
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&req); err != nil {
		_ = json.NewEncoder(c).Encode(Response{Error: "bad request: " + err.Error()})
		return false
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Minute))
	var resp Response
	var err error
	down := false
	switch req.Op {
	case "status":
		resp.Status, err = l.Status(ctx)
	case "restart", "wipe":
		if req.Op == "restart" {
			err = l.Restart(ctx, req.Node)
		} else {
			err = l.Wipe(ctx, req.Node)
		}
		if err == nil {
			err = l.WaitRunning(ctx, req.Node, 2*time.Minute)
		}
	case "down":
		err = l.Down(context.Background())
		down = true
	default:
		err = fmt.Errorf("unknown operation %q", req.Op)
	}
	if err != nil {
		resp.Error = err.Error()
	}
	_ = json.NewEncoder(c).Encode(resp)
	return down
}

// Call sends one request to the supervisor of the lab in dir.
func Call(ctx context.Context, dir string, req Request) (*Response, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", filepath.Join(dir, ControlSocket))
	if err != nil {
		return nil, fmt.Errorf("%w in %s: %w", ErrNoSupervisor, dir, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return nil, err
	}
	var resp Response
	if err := json.NewDecoder(c).Decode(&resp); err != nil {
		return nil, fmt.Errorf("reading the supervisor's answer: %w", err)
	}
	if resp.Error != "" {
		return &resp, errors.New(resp.Error)
	}
	return &resp, nil
}
