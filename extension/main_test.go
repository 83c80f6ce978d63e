package extension

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tailos/tailos/internal/gobuild"
)

// TestMain builds the real binaries the tests use (Tailscale and the clamp
// for amd64, and the clamp for arm64) once, before any test's timeout runs,
// reporting progress on the terminal: cold, Tailscale alone takes several
// minutes. With -short the tests that need them skip and nothing is built.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		if err := prepareBinaries(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

func prepareBinaries() error {
	progress, release := gobuild.TerminalProgress("extension tests: ")
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	if _, err := BuildBinaries(ctx, BinariesOptions{Version: testVersion, Arch: "amd64", Progress: progress}); err != nil {
		return fmt.Errorf("building tailscale %s for the tests: %w", testVersion, err)
	}
	for _, arch := range Arches {
		if _, err := BuildClamp(ctx, BinariesOptions{Arch: arch, Progress: progress}); err != nil {
			return fmt.Errorf("building the clamp for the tests: %w", err)
		}
	}
	return nil
}
