package extension

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tailos/tailos/internal/gobuild"
)

// ClampBinary is the extension's entrypoint: it execs containerboot, or, with
// TAILOS_MSS_CLAMP set, runs it beside the TCP MSS clamp (package mssclamp).
const ClampBinary = "tailos-mssclamp"

// clampSource is the clamp program's source, built into the image in a
// module of its own, so that the extension can be built wherever the tailos
// binary runs, not only from a checkout of this repository.
//
//go:embed mssclamp
var clampSource embed.FS

// clampPackage is the program inside clampSource.
const clampPackage = "./extension/mssclamp/cmd/" + ClampBinary

// clampRequires pins the clamp's dependencies to the versions this module
// uses (a test keeps them equal to go.mod).
var clampRequires = map[string]string{
	"github.com/google/nftables":      "v0.3.0",
	"github.com/jsimonetti/rtnetlink": "v1.4.0",
	"github.com/mdlayher/netlink":     "v1.11.2",
	"github.com/mdlayher/socket":      "v0.6.1",
	"golang.org/x/sys":                "v0.47.0",
}

// clampModule is the go.mod of the build module; its path is this module's
// so that the embedded imports resolve to the embedded files.
func clampModule() string {
	var b strings.Builder
	b.WriteString("module github.com/tailos/tailos\n\ngo 1.26\n\nrequire (\n")
	for _, m := range sortedKeys(clampRequires) {
		fmt.Fprintf(&b, "\t%s %s\n", m, clampRequires[m])
	}
	b.WriteString(")\n")
	return b.String()
}

// clampFiles returns the embedded source files (tests left out) by path.
func clampFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(clampSource, "mssclamp", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := clampSource.ReadFile(p)
		files[path.Join("extension", p)] = b
		return err
	})
	return files, err
}

var clampFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}

// BuildClamp builds the clamp for linux/arch with the local Go toolchain and
// returns the directory holding it. Like BuildBinaries it caches the result,
// under CacheDir/mssclamp/<source hash>/<arch>/, keyed on the source, the
// pinned dependencies, the Go version and the flags. opts.Version is unused.
func BuildClamp(ctx context.Context, opts BinariesOptions) (string, error) {
	if err := checkArch(opts.Arch); err != nil {
		return "", err
	}
	cache := opts.CacheDir
	var err error
	if cache == "" {
		if cache, err = DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	files, err := clampFiles()
	if err != nil {
		return "", fmt.Errorf("reading the clamp's embedded source: %w", err)
	}
	files["go.mod"] = []byte(clampModule())
	h := sha256.New()
	for _, p := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	key := hex.EncodeToString(h.Sum(nil))[:16]
	return gobuild.Run(ctx, gobuild.Build{
		Dir:     filepath.Join(cache, "mssclamp", key, opts.Arch),
		Module:  "github.com/tailos/tailos",
		Version: "embedded",
		Key:     key,
		Source: func(_ context.Context, tc gobuild.Toolchain) (string, error) {
			for p, b := range files {
				full := filepath.Join(tc.Work, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					return "", fmt.Errorf("writing clamp source: %w", err)
				}
				if err := os.WriteFile(full, b, 0o644); err != nil {
					return "", fmt.Errorf("writing clamp source: %w", err)
				}
			}
			return tc.Work, nil
		},
		Targets:  []gobuild.Target{{Package: clampPackage, Name: ClampBinary}},
		GOOS:     "linux",
		GOARCH:   opts.Arch,
		Flags:    clampFlags,
		Go:       opts.Go,
		Check:    func(dir string) error { return checkELF(filepath.Join(dir, ClampBinary), elfMachine[opts.Arch]) },
		Progress: opts.Progress,
	})
}

// ContentKey identifies what Build puts into an image for a Tailscale
// version apart from the compiled bytes: the manifest, the service spec, the
// Tailscale build flags and the clamp's source. Callers that cache unpacked
// images (the lab) key them on it, so a tailos with a different spec or
// clamp never reuses an image an older one built.
func ContentKey(version string) (string, error) {
	v, err := NormalizeVersion(version)
	if err != nil {
		return "", err
	}
	manifest, err := MarshalManifest(NewManifest(ManifestOptions{Version: v}))
	if err != nil {
		return "", err
	}
	spec, err := MarshalSpec(NewSpec())
	if err != nil {
		return "", err
	}
	files, err := clampFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, b := range [][]byte{manifest, spec, []byte(strings.Join(buildFlags(v), "\x00")), []byte(clampModule())} {
		fmt.Fprintf(h, "%d\x00", len(b))
		h.Write(b)
	}
	for _, p := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
