package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input is refused with exit 2 before anything is built or written.
func TestRunRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no version", args: nil, wantErr: `version "": want a semantic version with a leading v`},
		{name: "bad version", args: []string{"--version", "latest"}, wantErr: `version "latest"`},
		{name: "bad target", args: []string{"--version", "v0.1.0", "--target", "plan9/386"}, wantErr: `target "plan9/386": want one of`},
		{name: "bad push reference", args: []string{"--version", "v0.1.0", "--push", "UPPER/Case::x"}, wantErr: `--push "UPPER/Case::x"`},
		{name: "stray argument", args: []string{"--version", "v0.1.0", "extra"}, wantErr: `unexpected arguments ["extra"]`},
		{name: "unknown flag", args: []string{"--bogus"}, wantErr: "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "dist")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"-o", out}, tt.args...), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.wantErr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s was written", out)
			}
		})
	}
}
