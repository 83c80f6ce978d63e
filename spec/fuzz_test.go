package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the strict parser: it returns a spec
// or located errors, never panics, and a spec it accepts has only names
// that are safe as paths and shell words.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(strings.Replace(good, "name: cp-1", "name: ../schematic", 1)))
	f.Add([]byte(strings.Replace(good, "192.168.1.10:6443", "cp1$(id):6443", 1)))
	examples, _ := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	for _, e := range examples {
		if b, err := os.ReadFile(e); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if es := Errors(nil); errors.As(err, &es) {
				for _, e := range es {
					if e.File != "fuzz.yaml" {
						t.Fatalf("error without the file: %v", e)
					}
				}
			}
			return
		}
		for _, n := range s.Nodes {
			if err := ValidNodeName(n.Name); err != nil {
				t.Fatalf("accepted node name %q: %v", n.Name, err)
			}
			if strings.ContainsAny(n.Name, "/\\ $`;|&'\"()<>*?") || strings.Contains(n.Name, "..") {
				t.Fatalf("accepted node name %q is unsafe as a path or shell word", n.Name)
			}
		}
	})
}
