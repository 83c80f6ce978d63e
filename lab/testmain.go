//go:build linux

package lab

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tailos/tailos/internal/gobuild"
	"github.com/tailos/tailos/lab/talosnode"
)

// RunReexec handles the roles a lab re-executes its own binary in (the
// reaper, a Talos node's init, an extension container's init, Start's
// supervisor) and exits the
// process when it is one of them; otherwise it returns. A program or test
// binary that starts labs calls it first thing in main or TestMain.
func RunReexec() {
	if IsReaper() {
		if err := RunReaper(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if talosnode.IsInit() {
		err := talosnode.RunInit()
		fmt.Fprintln(os.Stderr, "node init:", err)
		os.Exit(127)
	}
	if IsContainerInit() {
		err := RunContainerInit()
		fmt.Fprintln(os.Stderr, "container init:", err)
		os.Exit(127)
	}
	if dir := os.Getenv(SuperviseEnv); dir != "" {
		if err := runSupervisor(dir); err != nil {
			fmt.Fprintln(os.Stderr, "lab supervisor:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// PrepareForTests builds (or finds cached) Headscale, the extension and the
// Talos node root once, before any test's own timeout runs: cold, the Talos
// pieces alone take about 10 minutes on two busy cores. Progress goes to the
// terminal (gobuild.TerminalProgress). It does nothing when
// not root (the lab tests skip) or when TAILOS_LAB_SKIP_BUILD is set.
func PrepareForTests() error {
	if os.Geteuid() != 0 || os.Getenv("TAILOS_LAB_SKIP_BUILD") != "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 35*time.Minute)
	defer cancel()
	// On the terminal: go test would hold stderr until the package ends.
	progress, release := gobuild.TerminalProgress("lab tests: ")
	defer release()
	if _, err := Prepare(ctx, "", progress); err != nil {
		return fmt.Errorf("preparing the lab binaries: %w", err)
	}
	return nil
}
