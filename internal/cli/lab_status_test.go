//go:build linux

package cli

import (
	"testing"

	"github.com/tailos/tailos/internal/iostreams"
)

// --json is the shorthand scripts use for -o json.
func TestLabStatusJSONFlag(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *LabStatusOptions
	cmd := NewCmdLabStatus(testFactory(ios), func(o *LabStatusOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--json", "--dir", t.TempDir()})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Output != "json" {
		t.Fatalf("options %+v, want output json", got)
	}
}
