package deptest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// moduleImports lists, with `go list`, every package of the module for
// goos and the module packages its non-test files import.
func moduleImports(t *testing.T, goos string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", Module+"/...")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		p, ok := strings.CutPrefix(f[0], Module+"/")
		if !ok {
			continue
		}
		imports[p] = nil
		for _, d := range f[1:] {
			if rel, ok := strings.CutPrefix(d, Module+"/"); ok {
				imports[p] = append(imports[p], rel)
			}
		}
	}
	return imports
}

// TestLayering checks the module's real import graph, as built for Linux
// and for macOS (the lab is Linux only; the CLI builds on both).
func TestLayering(t *testing.T) {
	for _, goos := range []string{"linux", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			imports := moduleImports(t, goos)
			if len(imports) < 20 {
				t.Fatalf("go list found %d packages; expected the whole module", len(imports))
			}
			for _, v := range Check(imports) {
				t.Error(v)
			}
		})
	}
}

// TestCheck shows that Check catches what it is for, on made-up graphs.
func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		imports map[string][]string
		want    []string
	}{
		{"downward and same layer", map[string][]string{"plan": {"spec", "secret"}, "lint": {"report", "rules"}}, nil},
		{"lower imports higher", map[string][]string{"spec": {"plan"}},
			[]string{"spec (layer 3) imports plan (layer 4, higher)"}},
		{"library imports the CLI", map[string][]string{"gen": {"internal/cli"}},
			[]string{"gen imports internal/cli: only programs (cmd/...) may"}},
		{"program imports the CLI", map[string][]string{"cmd/tailos": {"internal/cli"}}, nil},
		{"unplaced package", map[string][]string{"newpkg": {"spec"}},
			[]string{"newpkg has no layer: add it to deptest.Layers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(tt.imports); !slices.Equal(got, tt.want) {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLayersListEachPackageOnce keeps the table itself sound.
func TestLayersListEachPackageOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, ps := range Layers {
		for _, p := range ps {
			if seen[p] {
				t.Errorf("%s is in two layers", p)
			}
			seen[p] = true
		}
	}
}
