//go:build linux

package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/tailos/tailos/lab/talosnode"
	"github.com/tailos/tailos/render"
)

const stateFile = "lab.json"

// State is what a lab directory records so that other invocations (status,
// down after a crash) find the lab's namespaces and processes.
type State struct {
	ID         string      `json:"id"`
	Dir        string      `json:"dir"`
	Namespaces []string    `json:"namespaces"`
	Headscale  string      `json:"headscale,omitempty"`
	Nodes      []NodeState `json:"nodes"`
	// SupervisorPID is the process that owns the lab (tailos lab up);
	// SupervisorStart its start time, so that a reused PID is never
	// signalled (a state without it is never signalled at all).
	SupervisorPID   int    `json:"supervisorPid,omitempty"`
	SupervisorStart uint64 `json:"supervisorStart,omitempty"`
	Control         string `json:"control,omitempty"`
	// Runtime is what runs the nodes; Cgroup the lab's cgroup tree and
	// Talosconfig its talosconfig (Talos runtime).
	Runtime     Runtime `json:"runtime,omitempty"`
	Cgroup      string  `json:"cgroup,omitempty"`
	Talosconfig string  `json:"talosconfig,omitempty"`
}

// NodeState is one node as recorded.
type NodeState struct {
	Name   string   `json:"name"`
	Netns  string   `json:"netns"`
	Addr   string   `json:"addr"`
	Dir    string   `json:"dir"`
	Socket string   `json:"socket"`
	Behind []string `json:"behind,omitempty"`
	// Proc is a Talos node's PID 1 with its start time.
	Proc talosnode.Proc `json:"proc,omitempty"`
	// TalosEndpoint is the node's Talos API address (Talos runtime).
	TalosEndpoint string `json:"talosEndpoint,omitempty"`
}

func (l *Lab) state() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := State{ID: l.ID, Dir: l.Dir, Namespaces: append([]string{}, l.namespaces...), SupervisorPID: os.Getpid(), Runtime: l.opts.Runtime}
	if self, err := talosnode.ProcOf(os.Getpid()); err == nil {
		st.SupervisorStart = self.StartTime
	}
	if l.cgroupRoot != "" {
		st.Cgroup = filepath.Join(l.cgroupRoot, l.cgroupName())
	}
	if l.talosconfig != nil {
		st.Talosconfig = l.TalosconfigPath()
	}
	if l.Headscale != nil {
		st.Headscale = l.Headscale.URL
	}
	for _, n := range l.Nodes {
		ns := NodeState{Name: n.Name, Netns: n.Netns, Addr: n.Addr.String(), Dir: n.Dir, Socket: n.Socket()}
		if n.Talos != nil {
			ns.Proc = n.Talos.Proc()
			ns.TalosEndpoint = n.Addr.String()
		}
		for _, b := range n.Behind {
			ns.Behind = append(ns.Behind, b.String())
		}
		st.Nodes = append(st.Nodes, ns)
	}
	return st
}

// saveState writes the state file atomically.
func (l *Lab) saveState() error {
	data, err := json.MarshalIndent(l.state(), "", "  ")
	if err != nil {
		return err
	}
	// 0600 as before: only root drives the lab.
	return render.WriteFileAtomic(filepath.Join(l.Dir, stateFile), data, true)
}

// LoadState reads a lab directory's state.
func LoadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no lab in %s", dir)
		}
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	return &st, nil
}

// Teardown removes a lab from its state alone, whatever state its owner
// left it in: it kills every process in the lab's namespaces (which ends
// the containers' mount namespaces and mounts), deletes the namespaces and
// removes the directory.
func Teardown(ctx context.Context, dir string) error {
	st, err := LoadState(dir)
	if err != nil {
		return err
	}
	// Only a process that is provably still the recorded one is signalled.
	sup := talosnode.Proc{PID: st.SupervisorPID, StartTime: st.SupervisorStart}
	if sup.PID != os.Getpid() && sup.StartTime != 0 {
		_ = sup.Kill(syscall.SIGKILL)
	}
	for _, n := range st.Nodes {
		if n.Proc.StartTime != 0 {
			_ = n.Proc.Kill(syscall.SIGKILL)
		}
	}
	var errs []error
	if err := teardown(ctx, st.Namespaces); err != nil {
		errs = append(errs, err)
	}
	if st.Cgroup != "" {
		if err := talosnode.RemoveCgroup(st.Cgroup, 10*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// teardown kills the processes in the namespaces and deletes them.
func teardown(ctx context.Context, namespaces []string) error {
	var errs []error
	for attempt := 0; attempt < 50; attempt++ {
		pids := pidsIn(namespaces)
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, ns := range namespaces {
		if err := delNetns(ctx, ns); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pidsIn lists processes whose network namespace is one of namespaces.
func pidsIn(namespaces []string) []int {
	inodes := map[uint64]bool{}
	for _, ns := range namespaces {
		var st syscall.Stat_t
		if err := syscall.Stat(NetnsPath(ns), &st); err == nil {
			inodes[st.Ino] = true
		}
	}
	if len(inodes) == 0 {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st); err == nil && inodes[st.Ino] {
			pids = append(pids, pid)
		}
	}
	return pids
}
