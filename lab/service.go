//go:build linux

package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
)

// RestartDelay is the pause before a service is started again after it
// exited, as Talos's service runner pauses between restarts.
const RestartDelay = 2 * time.Second

// stopGrace is how long a service has to exit after SIGTERM before SIGKILL.
const stopGrace = 10 * time.Second

// Service runs one node's extension service like Talos's ext-<name>: the
// container is (re)started per the spec's restart policy until stopped.
type Service struct {
	Name    string
	spec    *services.Spec
	cfg     ContainerConfig
	cfgPath string
	netns   string
	logPath string
	self    []string // argv that re-executes the container init

	mu       sync.Mutex
	wanted   bool
	cmd      *exec.Cmd
	done     chan struct{}
	loopDone chan struct{}
	stopc    chan struct{}
	starts   int
	state    string
	lastExit string
}

// ServiceState is what `talosctl service` would show.
type ServiceState struct {
	State    string `json:"state"`
	Starts   int    `json:"starts"`
	PID      int    `json:"pid,omitempty"`
	LastExit string `json:"lastExit,omitempty"`
}

// State reports the service's state.
func (s *Service) State() ServiceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ServiceState{State: s.state, Starts: s.starts, LastExit: s.lastExit}
	if s.cmd != nil && s.cmd.Process != nil {
		st.PID = s.cmd.Process.Pid
	}
	return st
}

// Start begins running the service; it returns once the first container
// has been started (or failed to start).
func (s *Service) Start() error {
	s.mu.Lock()
	if s.wanted {
		s.mu.Unlock()
		return nil
	}
	s.wanted = true
	s.stopc = make(chan struct{})
	s.loopDone = make(chan struct{})
	s.mu.Unlock()
	first := make(chan error, 1)
	go s.loop(first)
	return <-first
}

func (s *Service) loop(first chan<- error) {
	defer close(s.loopDone)
	once := true
	for {
		err := s.startOnce()
		if once {
			first <- err
			once = false
		}
		if err == nil {
			<-s.done
		}
		s.mu.Lock()
		exitOK := err == nil && s.cmd.ProcessState != nil && s.cmd.ProcessState.Success()
		if err != nil {
			s.lastExit = err.Error()
		} else if s.cmd.ProcessState != nil {
			s.lastExit = s.cmd.ProcessState.String()
		}
		s.cmd = nil
		wanted := s.wanted
		again := wanted && (s.spec.Restart == services.RestartAlways || (s.spec.Restart == services.RestartUntilSuccess && !exitOK))
		switch {
		case !wanted:
			s.state = "Finished"
		case again:
			s.state = "Waiting"
		case exitOK:
			s.state = "Finished"
		default:
			s.state = "Failed"
		}
		stopc := s.stopc
		s.mu.Unlock()
		if !again {
			return
		}
		select {
		case <-stopc:
			return
		case <-time.After(RestartDelay):
		}
	}
}

// startOnce launches one container: `nsenter --net=<node netns>` re-executes
// the container init as PID 1 of a new PID and mount namespace.
func (s *Service) startOnce() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.wanted {
		return fmt.Errorf("stopped")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	s.starts++
	fmt.Fprintf(logf, "[lab] %s starting ext-%s (start %d)\n", time.Now().UTC().Format(time.RFC3339), s.spec.Name, s.starts)
	data, err := json.Marshal(s.cfg)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.cfgPath, data, 0o600); err != nil {
		return err
	}
	args := append([]string{"--net=" + NetnsPath(s.netns), "--"}, s.self...)
	cmd := exec.Command("nsenter", args...)
	cmd.Env = []string{ContainerEnv + "=" + s.cfgPath}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID,
		Setpgid:    true,
		// If the lab process dies, the container's PID 1 dies, and with it
		// everything in its PID namespace.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		s.state = "Failed"
		return fmt.Errorf("starting ext-%s: %w", s.spec.Name, err)
	}
	s.cmd = cmd
	s.state = "Running"
	done := make(chan struct{})
	s.done = done
	go func() { _ = cmd.Wait(); close(done) }()
	return nil
}

// Stop stops the service and waits for its container to exit.
func (s *Service) Stop() {
	s.mu.Lock()
	if !s.wanted {
		s.mu.Unlock()
		return
	}
	s.wanted = false
	close(s.stopc)
	cmd, done, loopDone := s.cmd, s.done, s.loopDone
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		stopProcess(cmd.Process.Pid, done, stopGrace)
	}
	<-loopDone
}

// containerConfig turns a service spec into the container layout for one
// node; env is the full environment in Talos's order.
func containerConfig(spec *services.Spec, extRoot, nodeDir string, env []string) (ContainerConfig, error) {
	rootfs := filepath.Join(extRoot, "rootfs", "usr", "local", "lib", "containers", spec.Name)
	c := ContainerConfig{
		Root:            filepath.Join(nodeDir, "root"),
		Rootfs:          rootfs,
		WriteableRootfs: spec.Container.Security.WriteableRootfs,
		WriteableSysfs:  spec.Container.Security.WriteableSysfs,
		Entrypoint:      spec.Container.Entrypoint,
		Args:            spec.Container.Args,
		Env:             env,
	}
	for _, m := range spec.Container.Mounts {
		src := hostSource(nodeDir, m.Source)
		// Talos creates missing host directories for mounts (0700).
		if _, err := os.Stat(src); os.IsNotExist(err) {
			if err := os.MkdirAll(src, 0o700); err != nil {
				return c, err
			}
		}
		mm := Mount{Source: src, Destination: m.Destination}
		for _, o := range m.Options {
			switch o {
			case "rbind":
				mm.Recursive = true
			case "ro":
				mm.ReadOnly = true
			}
		}
		c.Mounts = append(c.Mounts, mm)
	}
	// /etc/hosts and /etc/resolv.conf are the node's, as on Talos. The
	// files themselves are writable; replacing them (tailscaled renames a
	// backup next to them) fails on the read-only root, as on Talos.
	for _, f := range []string{"hosts", "resolv.conf"} {
		c.Mounts = append(c.Mounts, Mount{Source: filepath.Join(nodeDir, "etc", f), Destination: "/etc/" + f})
	}
	return c, nil
}
