//go:build linux

package lab_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/talosnode"
)

// supervisorEnv makes the test binary a lab supervisor (see TestMain): it
// brings a lab up in the directory named by the variable and blocks.
const supervisorEnv = "TAILOS_LAB_TEST_SUPERVISOR"

func runTestSupervisor(dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	rt := lab.Runtime(os.Getenv("TAILOS_LAB_TEST_RUNTIME"))
	_, err = lab.Up(context.Background(), lab.Options{Dir: dir, Nodes: 1, Self: []string{exe}, Runtime: rt})
	if err != nil {
		return err
	}
	select {}
}

// A second starter on the same directory is refused at once and leaves
// the first one's files as they were.
func TestClaimDirRefusesSecondStarter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab")
	release, err := lab.ClaimDir(dir, "launch.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	log := filepath.Join(dir, "supervisor.log")
	if err := os.WriteFile(log, []byte("winner\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.ClaimDir(dir, "launch.lock"); !errors.Is(err, lab.ErrDirBusy) {
		t.Fatalf("second claim: %v, want ErrDirBusy", err)
	}
	if data, _ := os.ReadFile(log); string(data) != "winner\n" {
		t.Errorf("winner's log is %q after the second claim", data)
	}
	release()
	r2, err := lab.ClaimDir(dir, "launch.lock")
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	r2()
}

// Teardown signals a recorded supervisor only if it is still the process
// that was recorded: a PID reused by another process is left alone.
func TestTeardownSparesReusedPID(t *testing.T) {
	victim := exec.Command("sleep", "60")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = victim.Process.Kill(); _ = victim.Wait() }()
	p, err := talosnode.ProcOf(victim.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		start    uint64
		wantDead bool
	}{
		{"start time of another process", p.StartTime + 1, false},
		{"no start time recorded", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st := lab.State{ID: "000000", Dir: dir, SupervisorPID: victim.Process.Pid, SupervisorStart: tt.start}
			data, _ := json.Marshal(st)
			if err := os.WriteFile(filepath.Join(dir, "lab.json"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := lab.Teardown(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			if alive := p.Alive(); alive == tt.wantDead {
				t.Errorf("process %d alive=%v after teardown", p.PID, alive)
			}
		})
	}
	if err := p.Kill(syscall.Signal(0)); err != nil {
		t.Errorf("the recorded process itself is refused: %v", err)
	}
}

// labLeftovers lists what of a lab is still on the machine: its network
// namespaces, processes in them, its cgroup tree and its directory.
func labLeftovers(st *lab.State, dir string) []string {
	var left []string
	for _, ns := range st.Namespaces {
		if _, err := os.Stat(lab.NetnsPath(ns)); err == nil {
			left = append(left, "netns "+ns)
		}
	}
	if st.Cgroup != "" {
		if _, err := os.Stat(st.Cgroup); err == nil {
			left = append(left, "cgroup "+st.Cgroup)
		}
	}
	for _, n := range st.Nodes {
		if n.Proc.Alive() {
			left = append(left, "node process "+n.Name)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		left = append(left, "dir "+dir)
	}
	return left
}

// A supervisor killed during `lab up`, or after it, leaves no namespace,
// process, mount or cgroup behind: the lab's reaper tears it down.
func TestKilledSupervisorLeavesNothing(t *testing.T) {
	needLab(t)
	for _, tt := range []struct {
		name    string
		runtime lab.Runtime
		when    string // "during" up (a node recorded) or "after" (lab ready)
	}{
		{"talos/during-up", lab.RuntimeTalos, "during"},
		{"talos/after-up", lab.RuntimeTalos, "after"},
		{"emulated/during-up", lab.RuntimeEmulated, "during"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := shortDir(t)
			track(dir, true)
			defer track(dir, false)
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			sup := exec.Command(exe)
			sup.Env = append(os.Environ(), supervisorEnv+"="+dir, "TAILOS_LAB_TEST_RUNTIME="+string(tt.runtime))
			logf, err := os.Create(filepath.Join(t.TempDir(), "sup.log"))
			if err != nil {
				t.Fatal(err)
			}
			sup.Stdout, sup.Stderr = logf, logf
			if err := sup.Start(); err != nil {
				t.Fatal(err)
			}
			var st *lab.State
			deadline := time.Now().Add(3 * time.Minute)
			for time.Now().Before(deadline) {
				s, err := lab.LoadState(dir)
				if err == nil && len(s.Nodes) > 0 {
					ready := tt.when == "during" || (len(s.Nodes) > 0 && (s.Nodes[0].Proc.PID != 0 || tt.runtime == lab.RuntimeEmulated))
					if tt.when == "after" {
						// Ready means the node answers: its tailscaled socket exists.
						_, serr := os.Stat(s.Nodes[0].Socket)
						ready = ready && serr == nil
					}
					if ready {
						st = s
						break
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
			if st == nil {
				_ = sup.Process.Kill()
				_ = sup.Wait()
				data, _ := os.ReadFile(logf.Name())
				t.Fatalf("the supervisor never got to %s up; log:\n%s", tt.when, lab.MaskLog(string(data)))
			}
			if err := sup.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = sup.Wait()
			var left []string
			for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
				// Re-read: the killed supervisor may have recorded more.
				if s, err := lab.LoadState(dir); err == nil {
					st = s
				}
				if left = labLeftovers(st, dir); len(left) == 0 {
					return
				}
			}
			t.Errorf("90 s after the supervisor was killed, still there: %s", strings.Join(left, ", "))
			_ = lab.Teardown(context.Background(), dir)
		})
	}
}

// A Headscale that dies is started again, and nodes keep a control server.
func TestHeadscaleRestartedAfterKill(t *testing.T) {
	l := up(t, lab.Options{Nodes: 1, Runtime: lab.RuntimeEmulated})
	pid := l.Headscale.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		if p := l.Headscale.PID(); p != 0 && p != pid {
			if _, err := l.Headscale.Nodes(ctx); err == nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("headscale not back 60 s after it was killed (restarts %d)", l.Headscale.Restarts())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if got := l.Headscale.Restarts(); got != 1 {
		t.Errorf("headscale restarts = %d, want 1", got)
	}
}
