//go:build linux

package mssclamp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// EnvMode is the environment variable that turns the clamp on in the
// extension's container: auto, off or a path MTU in bytes. Unset is off.
const EnvMode = "TAILOS_MSS_CLAMP"

// Forwarded are the signals Supervise passes on to the child.
var Forwarded = []os.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// removeTimeout bounds cleanup after the child exits, so a wedged netlink
// socket cannot keep the service from stopping.
const removeTimeout = 5 * time.Second

// SuperviseOptions describe the child and the clamp beside it.
type SuperviseOptions struct {
	// Argv is the child's command line; Argv[0] is a path.
	Argv []string
	// Env is the child's environment.
	Env []string
	// Clamp configures the clamp; Mode.Off runs the child alone (and removes
	// a table a killed earlier run left behind).
	Clamp Config
	// Signals delivers the signals to forward (from signal.Notify).
	Signals <-chan os.Signal
	// ReapAll, for PID 1 in a container, also reaps orphans that are
	// reparented to this process.
	ReapAll bool
	// Logf reports the clamp's state and failures.
	Logf func(format string, args ...any)
}

// Supervise starts the child, keeps the clamp in place while it runs,
// forwards signals to it, and when it exits removes the clamp and returns
// the exit code to exit with (128+signal for a child killed by a signal).
// A clamp that fails is reported and the child keeps running: Tailscale
// connectivity matters more than the clamp.
func Supervise(opts SuperviseOptions) (int, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if len(opts.Argv) == 0 {
		return 1, errors.New("no command to supervise")
	}
	cmd := exec.Command(opts.Argv[0], opts.Argv[1:]...)
	cmd.Env = opts.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("starting %s: %w", opts.Argv[0], err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	clampDone := make(chan struct{})
	cfg := opts.Clamp
	if cfg.Logf == nil {
		cfg.Logf = logf
	}
	go func() {
		defer close(clampDone)
		if err := Run(ctx, cfg); err != nil {
			logf("mssclamp: %v (%s keeps running without the clamp)", err, opts.Argv[0])
		}
	}()

	exited := make(chan int, 1)
	go func() { exited <- waitChild(cmd, opts.ReapAll) }()

	code := -1
	for code < 0 {
		select {
		case sig := <-opts.Signals:
			_ = cmd.Process.Signal(sig)
		case code = <-exited:
		}
	}
	cancel()
	select {
	case <-clampDone:
	case <-time.After(removeTimeout):
		logf("mssclamp: removing the clamp took longer than %s; leaving it", removeTimeout)
	}
	return code, nil
}

// waitChild waits for cmd and returns the code to exit with. As PID 1 it
// reaps every child, keeping the status of cmd's; otherwise it waits for cmd
// alone, so that other children of a host process are not disturbed.
func waitChild(cmd *exec.Cmd, reapAll bool) int {
	if !reapAll {
		_ = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			return exitCode(unix.WaitStatus(ws))
		}
		return cmd.ProcessState.ExitCode()
	}
	pid := cmd.Process.Pid
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			// ECHILD: nothing left to wait for; the child is gone.
			return 1
		}
		if got == pid {
			return exitCode(ws)
		}
	}
}

// exitCode is the shell's convention: the exit status, or 128+signal.
func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
