package cli

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/tailos/tailos/extension"
	"github.com/tailos/tailos/internal/iostreams"
)

// TestExtensionBuildInspect drives `extension build` and `extension inspect`
// end to end with the real tailscale 1.96.5 binaries from the tailos cache
// (built on first use) and a real in-process registry.
func TestExtensionBuildInspect(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the real tailscale binaries; skipped with -short")
	}
	if _, err := extension.BuildBinaries(context.Background(), extension.BinariesOptions{Version: "1.96.5", Arch: "amd64"}); err != nil {
		t.Fatalf("building tailscale binaries: %v", err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref := u.Host + "/tailscale:1.96.5"
	dir := t.TempDir()
	layout := filepath.Join(dir, "oci")

	run := func(args ...string) (string, string, int) {
		ios, _, out, errOut := iostreams.Test()
		code := Main(testFactory(ios), args)
		return out.String(), errOut.String(), code
	}

	out, errOut, code := run("extension", "build", "--tailscale", "1.96.5", "-o", layout, "--push", ref, "--json")
	if code != 0 {
		t.Fatalf("build exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("progress or noise on stderr without a terminal: %q", errOut)
	}
	var res buildResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("build --json: %v\n%s", err, out)
	}
	if !strings.HasSuffix(res.Pushed, "@"+res.Digest) || res.Layout != layout || res.Sizes["amd64"] <= 0 {
		t.Errorf("build result %+v", res)
	}

	for _, src := range [][]string{{layout}, {"--remote", ref}} {
		out, errOut, code = run(append([]string{"extension", "inspect", "-o", "json"}, src...)...)
		if code != 0 {
			t.Fatalf("inspect %s exit %d: %s", src, code, errOut)
		}
		var rep struct {
			Digest   string `json:"digest"`
			Manifest struct {
				Metadata struct{ Name, Version string } `json:"metadata"`
			} `json:"manifest"`
			Specs    map[string]struct{ Container struct{ Entrypoint string } } `json:"specs"`
			Binaries []struct {
				Path, Tailscale, SHA256 string
				Static                  bool
			} `json:"binaries"`
			Invalid string `json:"invalid"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("inspect json: %v\n%s", err, out)
		}
		if rep.Digest != res.Digest || rep.Invalid != "" || rep.Manifest.Metadata.Version != "1.96.5" ||
			rep.Specs["tailscale"].Container.Entrypoint != "/usr/local/bin/tailos-mssclamp" || len(rep.Binaries) != 4 {
			t.Errorf("inspect %s: %s", src, out)
		}
		for _, b := range rep.Binaries {
			if strings.HasSuffix(b.Path, "/tailos-mssclamp") {
				if !b.Static || len(b.SHA256) != 64 {
					t.Errorf("inspect %s: clamp %+v", src, b)
				}
				continue
			}
			if b.Tailscale != "v1.96.5" || !b.Static || len(b.SHA256) != 64 {
				t.Errorf("inspect %s: binary %+v", src, b)
			}
		}
	}

	out, _, code = run("extension", "inspect", layout)
	if code != 0 || !strings.Contains(out, "valid:    yes") || !strings.Contains(out, "ext-tailscale") {
		t.Errorf("inspect text (exit %d):\n%s", code, out)
	}

	// Talos 1.6 predates ExtensionServiceConfig: the manifest's range says so.
	_, errOut, code = run("extension", "inspect", layout, "--talos-version", "v1.6.7")
	if code != 1 || !strings.Contains(errOut, "can't be satisfied with Talos version 1.6.7") {
		t.Errorf("inspect against Talos 1.6: exit %d, stderr %q", code, errOut)
	}
}

// TestExtensionBuildProgress: steps go to stderr on a terminal only, and
// stdout stays the result.
func TestExtensionBuildProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the real tailscale binaries; skipped with -short")
	}
	for _, tty := range []bool{false, true} {
		ios, _, out, errOut := iostreams.Test()
		ios.SetTTY(false, tty)
		tarPath := filepath.Join(t.TempDir(), "ts.tar")
		if code := Main(testFactory(ios), []string{"extension", "build", "--tailscale", "1.96.5", "-o", tarPath}); code != 0 {
			t.Fatalf("tty=%v: exit %d: %s", tty, code, errOut)
		}
		gotProgress := strings.Contains(errOut.String(), "building the tailscale 1.96.5 extension for amd64")
		if gotProgress != tty {
			t.Errorf("tty=%v: progress on stderr = %v: %q", tty, gotProgress, errOut)
		}
		if !strings.Contains(out.String(), "wrote image tarball "+tarPath) || strings.Contains(out.String(), "[") && strings.Contains(out.String(), "s] ") {
			t.Errorf("tty=%v: stdout %q", tty, out)
		}
	}
}
