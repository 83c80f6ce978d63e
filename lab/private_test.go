package lab

import (
	"os"
	"path/filepath"
	"testing"
)

// A lab or Headscale directory that already exists with the usual 0755 is
// tightened, so Headscale's 0644 sqlite files are not readable by others.
func TestPrivateDirTightensAnExistingDirectory(t *testing.T) {
	for _, pre := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "headscale")
		if pre {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := privateDir(dir); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("existing=%v: %s is %o, want 700", pre, dir, perm)
		}
	}
}
