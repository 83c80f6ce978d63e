package mssclamp

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSupervise(t *testing.T) {
	tests := []struct {
		name     string
		script   string
		signal   os.Signal // sent once the clamp is in place; nil: none
		wantCode int
	}{
		{name: "child exits by itself", script: ": >\"$READY\"; sleep 0.5; exit 3", wantCode: 3},
		{name: "SIGTERM forwarded and handled", script: "trap 'exit 7' TERM; : >\"$READY\"; while :; do sleep 0.05; done", signal: unix.SIGTERM, wantCode: 7},
		{name: "child killed by forwarded signal", script: ": >\"$READY\"; exec sleep 30", signal: unix.SIGINT, wantCode: 128 + int(unix.SIGINT)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := newTopo(t, 1280)
			ready := filepath.Join(t.TempDir(), "ready")
			sigs := make(chan os.Signal, 1)
			type result struct {
				code int
				err  error
			}
			done := make(chan result, 1)
			go func() {
				code, err := Supervise(SuperviseOptions{
					Argv:    []string{"/bin/sh", "-c", tt.script},
					Env:     []string{"PATH=/usr/bin:/bin", "READY=" + ready},
					Clamp:   Config{NetNS: tp.rtrFd},
					Signals: sigs,
					Logf:    t.Logf,
				})
				done <- result{code, err}
			}()
			tp.waitRules(t, 1240)
			// The child has set its trap once it has written the file.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(ready); err == nil {
					break
				}
			}
			if tt.signal != nil {
				sigs <- tt.signal
			}
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Supervise did not return within 20s")
			}
			if r.err != nil || r.code != tt.wantCode {
				t.Errorf("Supervise = %d, %v; want %d", r.code, r.err, tt.wantCode)
			}
			if got, err := tp.rules().List(); err != nil || len(got) != 0 {
				t.Errorf("after the child exited: rules %+v, %v; want the table removed", got, err)
			}
		})
	}
}

func TestSuperviseBadCommand(t *testing.T) {
	code, err := Supervise(SuperviseOptions{Argv: []string{"/nonexistent/containerboot"}, Clamp: Config{Mode: Mode{Off: true}}})
	if err == nil || code == 0 {
		t.Fatalf("Supervise of a missing program = %d, %v; want an error and a non-zero code", code, err)
	}
}
