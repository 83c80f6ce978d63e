package release

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOptionsRejectBadInput(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "no version", opts: Options{Out: "x"}, wantErr: `version "": want a semantic version with a leading v`},
		{name: "no leading v", opts: Options{Version: "0.3.0", Out: "x"}, wantErr: `version "0.3.0"`},
		{name: "ldflags injection", opts: Options{Version: "v0.3.0 -X main.x=y", Out: "x"}, wantErr: "want a semantic version"},
		{name: "no output", opts: Options{Version: "v0.3.0"}, wantErr: "no output directory"},
		{name: "unknown target", opts: Options{Version: "v0.3.0", Out: "x", Targets: []Target{{"windows", "amd64"}}}, wantErr: `target "windows/amd64": want one of linux/amd64, linux/arm64, darwin/amd64, darwin/arm64`},
		{name: "duplicate target", opts: Options{Version: "v0.3.0", Out: "x", Targets: []Target{{"linux", "arm64"}, {"linux", "arm64"}}}, wantErr: "target linux/arm64 given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.normalize()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestOptionsAcceptSemver(t *testing.T) {
	for _, v := range []string{"v0.3.0", "v1.0.0-rc.1", "v0.0.0-ci", "v2.1.3+meta.7"} {
		o := Options{Version: v, Out: "x"}
		if err := o.normalize(); err != nil {
			t.Errorf("%s: %v", v, err)
		}
		if len(o.Targets) != 4 || o.Source != "." || o.Go != "go" {
			t.Errorf("%s: defaults not applied: %+v", v, o)
		}
	}
}

// A non-empty output directory is refused before anything is built, and
// left as it was.
func TestBuildRefusesNonEmptyOut(t *testing.T) {
	out := t.TempDir()
	keep := filepath.Join(out, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Build(context.Background(), Options{Version: "v0.3.0", Out: out, Source: "..", Go: "/nonexistent/go"})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("error %v, want a refusal", err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("output directory changed: %v", entries)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".tailos-*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A failed build leaves no output directory.
func TestBuildFailureWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	_, err := Build(context.Background(), Options{Version: "v0.3.0", Out: out, Source: "..", Go: "/nonexistent/go", Targets: []Target{{"linux", "amd64"}}})
	if err == nil || !strings.Contains(err.Error(), "go build for linux/amd64") {
		t.Fatalf("error %v, want the failed go build", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed build", out)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".tailos-*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
