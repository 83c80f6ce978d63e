//go:build linux

package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ReaperEnv names the variable that turns a re-executed tailos (or test
// binary) into a lab's reaper: its value is the lab directory.
const ReaperEnv = "TAILOS_LAB_REAPER"

// IsReaper reports whether this process was started as a lab's reaper.
func IsReaper() bool { return os.Getenv(ReaperEnv) != "" }

// RunReaper is the body of a lab's reaper: a process outside the lab that
// holds the read end of a pipe from the lab's owner. If the owner closes it
// without saying goodbye (it was killed), the reaper tears the lab down from
// its state file, so nothing outlives a killed supervisor.
func RunReaper() error {
	dir := os.Getenv(ReaperEnv)
	f := os.NewFile(3, "reaper-pipe")
	if f == nil {
		return fmt.Errorf("reaper: no pipe on fd 3")
	}
	buf := make([]byte, 1)
	n, _ := f.Read(buf)
	if n == 1 && buf[0] == 'q' {
		return nil // the owner takes the lab down itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := Teardown(ctx, dir); err != nil {
		return fmt.Errorf("reaper: %w", err)
	}
	return nil
}

// startReaper starts the lab's reaper (see RunReaper).
func (l *Lab) startReaper() error {
	self, err := l.self()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(self[0], self[1:]...)
	cmd.Env = []string{ReaperEnv + "=" + l.Dir, "PATH=" + os.Getenv("PATH")}
	cmd.ExtraFiles = []*os.File{r}
	cmd.Dir = "/"
	// Its own session, no parent-death signal: it must outlive the owner.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("starting the lab reaper: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	l.reaper = w
	return nil
}

// stopReaper tells the reaper the owner takes the lab down itself.
func (l *Lab) stopReaper() {
	if l.reaper == nil {
		return
	}
	_, _ = l.reaper.Write([]byte{'q'})
	l.reaper.Close()
	l.reaper = nil
}
