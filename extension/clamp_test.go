package extension

import (
	"context"
	"debug/buildinfo"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClampRequiresMatchGoMod keeps the clamp's build module on the same
// dependency versions as this module, so the binary in the image is built
// from what the namespace tests ran.
func TestClampRequiresMatchGoMod(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 {
			have[f[0]] = f[1]
		}
	}
	for mod, v := range clampRequires {
		if have[mod] != v {
			t.Errorf("clamp build pins %s %s, go.mod has %q", mod, v, have[mod])
		}
	}
}

func TestClampSourceEmbedded(t *testing.T) {
	files, err := clampFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"extension/mssclamp/rules.go", "extension/mssclamp/clamp.go", "extension/mssclamp/cmd/tailos-mssclamp/main.go"} {
		if _, ok := files[want]; !ok {
			t.Errorf("embedded clamp source lacks %s (have %v)", want, sortedKeys(files))
		}
	}
	for p := range files {
		if strings.HasSuffix(p, "_test.go") {
			t.Errorf("test file %s would be built into the clamp", p)
		}
	}
}

// TestBuildClamp builds the clamp from its embedded source for both
// architectures, outside this module, and checks the result is the static
// program for that architecture, cached on the second call.
func TestBuildClamp(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the clamp; skipped with -short")
	}
	cache := t.TempDir()
	for _, arch := range Arches {
		dir, err := BuildClamp(context.Background(), BinariesOptions{Arch: arch, CacheDir: cache, Progress: t.Logf})
		if err != nil {
			t.Fatalf("BuildClamp %s: %v", arch, err)
		}
		p := filepath.Join(dir, ClampBinary)
		if err := checkELF(p, elfMachine[arch]); err != nil {
			t.Errorf("%s: %v", arch, err)
		}
		bi, err := buildinfo.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		deps := map[string]string{}
		for _, d := range bi.Deps {
			deps[d.Path] = d.Version
		}
		if bi.Path != "github.com/tailos/tailos/extension/mssclamp/cmd/"+ClampBinary || deps["github.com/google/nftables"] != "v0.3.0" {
			t.Errorf("%s: built %s with nftables %q", arch, bi.Path, deps["github.com/google/nftables"])
		}
		fi, _ := os.Stat(p)
		again, err := BuildClamp(context.Background(), BinariesOptions{Arch: arch, CacheDir: cache})
		fi2, _ := os.Stat(filepath.Join(again, ClampBinary))
		if err != nil || again != dir || !os.SameFile(fi, fi2) {
			t.Errorf("%s: second BuildClamp = %s, %v; want the cached %s", arch, again, err, dir)
		}
	}
}

func TestContentKey(t *testing.T) {
	a, err := ContentKey("1.96.5")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ContentKey("v1.96.5")
	c, _ := ContentKey("1.102.3")
	if a != b || a == c || len(a) != 16 {
		t.Errorf("ContentKey: 1.96.5 %q, v1.96.5 %q, 1.102.3 %q; want the same for one version and different across", a, b, c)
	}
	if _, err := ContentKey("latest"); err == nil {
		t.Error("ContentKey(latest): no error")
	}
}
