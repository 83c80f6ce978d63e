package extension

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
)

// testVersion is the Tailscale release the tests build; its binaries are
// compiled once and then reused from the tailos cache by every test run.
const testVersion = "1.96.5"

// realBinaries returns the cached real binaries for arch, building them on
// first use (minutes on a small machine; then instant).
func realBinaries(t testing.TB, arch string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the real tailscale binaries (built once into the tailos cache); skipped with -short")
	}
	dir, err := BuildBinaries(context.Background(), BinariesOptions{Version: testVersion, Arch: arch, Progress: t.Logf})
	if err != nil {
		t.Fatalf("building tailscale %s binaries for %s: %v", testVersion, arch, err)
	}
	return dir
}

// standInBinaries returns a directory whose three programs are copies of
// the clamp built for arch: real static Linux executables for that
// architecture, minutes cheaper to build than Tailscale. Tests that only
// carry the binaries through images, registries and validators use it for
// arm64, so that no test run compiles Tailscale for a second architecture;
// tests that run or inspect Tailscale's own bytes use realBinaries.
func standInBinaries(t testing.TB, arch string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the clamp built for " + arch + "; skipped with -short")
	}
	clamp, err := BuildClamp(context.Background(), BinariesOptions{Arch: arch})
	if err != nil {
		t.Fatalf("building the clamp for %s: %v", arch, err)
	}
	data, err := os.ReadFile(filepath.Join(clamp, ClampBinary))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, b := range Binaries {
		if err := os.WriteFile(filepath.Join(dir, b), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeFile writes a file under root, creating parents.
func writeFile(t *testing.T, root, rel string, data string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// layoutDir writes an unpacked extension whose binaries are stand-in
// scripts: Talos's validators look at paths, modes and specs, not at ELF.
func layoutDir(t *testing.T, spec *services.Spec) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tailscale")
	m, err := MarshalManifest(NewManifest(ManifestOptions{Version: testVersion}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := MarshalSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, ManifestPath, string(m), 0o644)
	writeFile(t, dir, SpecPath, string(s), 0o644)
	for _, b := range append(slices.Clone(Binaries), ClampBinary) {
		writeFile(t, dir, ContainersDir+"/tailscale/usr/local/bin/"+b, "#!/bin/sh\n", 0o755)
	}
	return dir
}
