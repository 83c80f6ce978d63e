//go:build linux

package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ReadyFile appears in a lab directory once the supervisor's lab is up (every
// node Running); it holds the supervisor's PID.
const ReadyFile = "ready"

// SupervisorLog is the supervisor's output in a lab directory.
const SupervisorLog = "supervisor.log"

// SuperviseEnv is set to a lab directory to make RunReexec run this process
// as that lab's supervisor with the options Start left there.
const SuperviseEnv = "TAILOS_LAB_SUPERVISE"

// superviseOptions is the file Start hands the re-executed supervisor.
const superviseOptions = "supervise.json"

// DefaultUpTimeout bounds a lab's start, builds included.
const DefaultUpTimeout = 15 * time.Minute

// StartOptions configure Start.
type StartOptions struct {
	// Options is the lab to run; Dir is required and must not hold a lab.
	// Progress hears Start's own steps; the supervisor's go to its log.
	Options
	// Timeout bounds the start, builds included (default DefaultUpTimeout).
	Timeout time.Duration
	// Supervisor is the argv that runs this lab's supervisor (a program
	// calling Supervise with the same options). Empty re-executes this
	// program with SuperviseEnv set: it must call RunReexec first thing.
	Supervisor []string
}

// Start runs a lab that outlives the caller: it starts a supervisor in a
// session of its own (output to SupervisorLog), waits for its ReadyFile,
// and returns the lab's status. One starter per directory; a lab that never
// came up leaves no directory behind, and the error carries the log's tail.
func Start(ctx context.Context, o StartOptions) (st *Status, retErr error) {
	if o.Dir == "" {
		return nil, fmt.Errorf("lab start: Dir is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultUpTimeout
	}
	_, statErr := os.Stat(o.Dir)
	created := os.IsNotExist(statErr)
	release, err := ClaimDir(o.Dir, "launch.lock")
	if err != nil {
		return nil, err
	}
	defer release()
	if _, err := LoadState(o.Dir); err == nil {
		return nil, fmt.Errorf("%s already holds a lab: take it down first (`tailos lab down --dir %s`)", o.Dir, o.Dir)
	}
	defer func() {
		if _, err := LoadState(o.Dir); err != nil && created && retErr != nil {
			_ = os.RemoveAll(o.Dir)
		}
	}()
	sup, err := supervisorCommand(o)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(o.Dir, SupervisorLog)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	sup.Stdout, sup.Stderr = logf, logf
	// Its own session: the supervisor outlives the caller and its terminal.
	sup.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := sup.Start(); err != nil {
		return nil, fmt.Errorf("starting the lab supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	o.progress("starting the lab in %s (the first run builds Headscale and Tailscale)", o.Dir)
	deadline := time.NewTimer(o.Timeout)
	defer deadline.Stop()
	for {
		if _, err := os.Stat(filepath.Join(o.Dir, ReadyFile)); err == nil {
			break
		}
		select {
		case err := <-exited:
			// Through the open descriptor: a failed Up removes the lab
			// directory, log included.
			return nil, fmt.Errorf("the lab did not come up (%w):\n%s", err, LogTail(fmt.Sprintf("/proc/self/fd/%d", logf.Fd()), 25))
		case <-deadline.C:
			_ = sup.Process.Signal(syscall.SIGTERM)
			return nil, fmt.Errorf("the lab was not up after %s; see %s", o.Timeout, logPath)
		case <-ctx.Done():
			_ = sup.Process.Signal(syscall.SIGTERM)
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := Call(sctx, o.Dir, Request{Op: "status"})
	if err != nil {
		return nil, err
	}
	return resp.Status, nil
}

// supervisorCommand is o.Supervisor, or this program re-executed with the
// options written to the lab directory.
func supervisorCommand(o StartOptions) (*exec.Cmd, error) {
	if len(o.Supervisor) > 0 {
		return exec.Command(o.Supervisor[0], o.Supervisor[1:]...), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(superviseRequest{Options: o.Options, Timeout: o.Timeout})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, superviseOptions), data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), SuperviseEnv+"="+o.Dir)
	return cmd, nil
}

// superviseRequest is what a re-executed supervisor is asked to run.
type superviseRequest struct {
	Options Options       `json:"options"`
	Timeout time.Duration `json:"timeout"`
}

// Supervise brings the lab up in this process, signals readiness with
// ReadyFile, and serves its control socket until ctx ends, SIGINT, SIGTERM
// or SIGHUP arrives, or a "down" request comes; the lab is down on return.
func Supervise(ctx context.Context, o Options, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultUpTimeout
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	upCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	l, err := Up(upCtx, o)
	if err != nil {
		return err
	}
	o.progress("lab %s up in %s; %d nodes", l.ID, time.Since(start).Round(10*time.Millisecond), len(l.Nodes))
	if err := os.WriteFile(filepath.Join(o.Dir, ReadyFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		_ = l.Down(context.Background())
		return err
	}
	return l.Serve(ctx)
}

// runSupervisor is the SuperviseEnv role: Supervise with Start's options.
func runSupervisor(dir string) error {
	// The lab's own re-executions (reaper, node inits) must not inherit it.
	os.Unsetenv(SuperviseEnv)
	data, err := os.ReadFile(filepath.Join(dir, superviseOptions))
	if err != nil {
		return err
	}
	var req superviseRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, superviseOptions), err)
	}
	req.Options.Progress = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	return Supervise(context.Background(), req.Options, req.Timeout)
}
