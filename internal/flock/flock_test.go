//go:build unix

package flock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// flock locks belong to open file descriptions, so a second one in this
// process contends as another process would.
func TestTryLock(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "x.lock"), dir} {
		unlock, err := TryLock(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, err := TryLock(path); !errors.Is(err, ErrBusy) {
			t.Fatalf("%s held: second TryLock gave %v, want ErrBusy", path, err)
		}
		unlock()
		again, err := TryLock(path)
		if err != nil {
			t.Fatalf("%s released: %v", path, err)
		}
		again()
	}
}

func TestLockWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	waited := make(chan struct{})
	go func() {
		u, err := Lock(path, func() { close(waited) })
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the second Lock did not report waiting")
	}
	select {
	case err := <-got:
		t.Fatalf("the second Lock returned (%v) while the first held it", err)
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// Another process's lock is seen too, and ends with that process.
func TestLockAcrossProcesses(t *testing.T) {
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("no flock(1)")
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// flock(1)'s sleep holds the descriptor too: the group is killed.
	cmd := exec.Command(flock, path, "sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once: after Wait the PID is no longer ours to signal.
	var once sync.Once
	stop := func() { once.Do(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }) }
	defer stop()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		u, err := TryLock(path)
		if errors.Is(err, ErrBusy) {
			break
		}
		if err == nil {
			u()
		}
		if time.Now().After(end) {
			t.Fatal("flock(1)'s lock never seen")
		}
	}
	stop()
	// The kernel closes the group's descriptors as it reaps them, which
	// may come just after Wait returns.
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		u, err := TryLock(path)
		if err == nil {
			u()
			return
		}
		if !errors.Is(err, ErrBusy) || time.Now().After(end) {
			t.Fatalf("after the holder exited: %v", err)
		}
	}
}
