//go:build linux

package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailos/tailos/internal/iostreams"
)

// Bad lab up flags are refused before anything starts, with exit 2.
func TestLabUpBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--runtime", "docker"}, `invalid --runtime "docker"`},
		{[]string{"--tailscale", "latest"}, "--tailscale"},
		{[]string{"--nodes", "0"}, "invalid --nodes 0"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ran := false
			cmd := NewCmdLabUp(testFactory(ios), func(*LabUpOptions) error { ran = true; return nil })
			cmd.SetArgs(append(tt.args, "--dir", t.TempDir()))
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != ExitBadInput || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want exit %d mentioning %q", err, ExitBadInput, tt.want)
			}
			if ran {
				t.Error("the command ran despite bad input")
			}
		})
	}
	ios, _, _, _ := iostreams.Test()
	var got *LabUpOptions
	cmd := NewCmdLabUp(testFactory(ios), func(o *LabUpOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--dir", t.TempDir()})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Runtime != "talos" || got.Tailscale != "1.102.3" {
		t.Errorf("defaults runtime %q tailscale %q, want talos and 1.102.3", got.Runtime, got.Tailscale)
	}
}
