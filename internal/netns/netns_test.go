//go:build linux

package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

func self(t *testing.T) string {
	t.Helper()
	l, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestEnterAndDo creates a namespace, checks that Do and Enter run inside
// it (only a loopback, down) and that the
// calling thread is back home afterwards.
func TestEnterAndDo(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root (ip netns add) and CI=true forbids skipping")
		}
		t.Skip("needs root (ip netns add)")
	}
	name := fmt.Sprintf("tlns-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = exec.CommandContext(ctx, "ip", "netns", "del", name).Run()
	})
	home := self(t)
	var inside string
	err := Do(Path(name), func() error {
		l, err := os.Readlink("/proc/thread-self/ns/net")
		inside = l
		if err != nil {
			return err
		}
		// A new namespace has only its loopback, and that is down.
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		if len(ifs) != 1 || ifs[0].Name != "lo" || ifs[0].Flags&net.FlagUp != 0 {
			return fmt.Errorf("interfaces inside a fresh namespace: %v", ifs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if inside == "" || inside == home {
		t.Errorf("Do ran in %q, home is %q", inside, home)
	}

	leave, err := Enter(Path(name))
	if err != nil {
		t.Fatal(err)
	}
	if got := self(t); got != inside {
		t.Errorf("Enter: in %q, want %q", got, inside)
	}
	if err := leave(); err != nil {
		t.Fatal(err)
	}
	if got := self(t); got != home {
		t.Errorf("after leave: in %q, want %q", got, home)
	}

	if err := Do(Path(name+"-missing"), func() error { return nil }); err == nil {
		t.Error("Do in a missing namespace succeeded")
	}
	want := fmt.Errorf("from fn")
	if err := Do(Path(name), func() error { return want }); !errors.Is(err, want) {
		t.Errorf("Do returned %v, want fn's error", err)
	}
}
