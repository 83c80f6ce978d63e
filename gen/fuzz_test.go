package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// FuzzGenerate runs gen end to end on arbitrary specs — parse, plan,
// verify against machinery, write — into a temporary directory: it never
// panics, and nothing lands outside the output directory.
func FuzzGenerate(f *testing.F) {
	examples, _ := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	for _, e := range examples {
		if b, err := os.ReadFile(e); err == nil {
			f.Add(b)
			f.Add([]byte(strings.Replace(string(b), "name: cp-1", "name: ../escape", 1)))
		}
	}
	// Machinery's base generation (a fresh secrets bundle) costs far more
	// than everything gen does with a spec: bases made once, as --base
	// would give them, leave the fuzzing time to the spec's paths.
	bases := fuzzBases(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		out, err := Generate(s, Options{Bases: bases, LookupEnv: func(string) (string, bool) { return "", false }})
		if err != nil {
			return
		}
		root := t.TempDir()
		dir := filepath.Join(root, "out")
		if _, err := render.Write(dir, out.Files, render.Options{}); err != nil {
			t.Fatalf("writing a verified set: %v", err)
		}
		err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && p != dir && !strings.HasPrefix(p, dir+string(filepath.Separator)) {
				t.Errorf("%s landed outside the output directory", p)
			}
			if d.Type()&os.ModeSymlink != 0 {
				t.Errorf("%s is a symlink", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Files {
			if !filepath.IsLocal(f.Path) {
				t.Errorf("output path %q is not local", f.Path)
			}
		}
	})
}

func fuzzBases(f *testing.F) []BaseConfig {
	s := loadExample(f, "homelab.yaml")
	g, err := talosconf.NewGenerator(talosconf.BaseOptions{ClusterName: s.Cluster.Name, Endpoint: s.Cluster.Endpoint, TalosVersion: s.Cluster.TalosVersion})
	if err != nil {
		f.Fatal(err)
	}
	var out []BaseConfig
	for _, role := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
		cfg, err := g.Base(role)
		if err != nil {
			f.Fatal(err)
		}
		b, err := cfg.EncodeBytes()
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, BaseConfig{File: role.String() + ".yaml", Data: b})
	}
	return out
}
