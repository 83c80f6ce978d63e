//go:build linux

package talosnode

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if IsInit() {
		err := RunInit()
		fmt.Fprintln(os.Stderr, "node init:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
