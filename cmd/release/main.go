// Command release builds a tailos release: reproducible binaries for every
// target, .tar.gz archives, CycloneDX SBOMs, SHA256SUMS and the OCI image
// (see package release). Without --push it only writes the directory, which
// is what CI runs to prove the release still builds.
//
//	go run ./cmd/release --version v0.3.0 -o dist/
//	go run ./cmd/release --version v0.3.0 -o dist/ --push ghcr.io/tailos/tailos:v0.3.0
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/term"

	"github.com/tailos/tailos/release"
)

type targets []release.Target

func (t *targets) String() string { return fmt.Sprint(*t) }
func (t *targets) Set(s string) error {
	tg, err := release.ParseTarget(s)
	if err != nil {
		return err
	}
	*t = append(*t, tg)
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts release.Options
		tgts targets
		push string
	)
	fs.StringVar(&opts.Version, "version", "", "release version, e.g. v0.3.0 (required)")
	fs.StringVar(&opts.Out, "o", "dist", "output directory (must not exist or be empty)")
	fs.StringVar(&opts.Source, "source", ".", "module root to build")
	fs.Var(&tgts, "target", "GOOS/GOARCH to build (repeatable; default all four)")
	fs.BoolVar(&opts.NoImage, "no-image", false, "skip the OCI image")
	fs.StringVar(&push, "push", "", "push the image index to this reference after building")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "Error: unexpected arguments %q\n", fs.Args())
		return 2
	}
	opts.Targets = tgts
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Progress = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	var ref name.Reference
	if push != "" {
		r, err := name.ParseReference(push)
		if err != nil {
			fmt.Fprintf(stderr, "Error: --push %q: %v\n", push, err)
			return 2
		}
		ref = r
	}
	res, err := release.Build(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "tailos %s in %s\n", res.Version, res.Dir)
	for _, a := range append(append([]string(nil), res.Archives...), res.SBOMs...) {
		fmt.Fprintf(stdout, "  %s  %s\n", res.Checksums[a], a)
	}
	if res.ImageDigest != "" {
		fmt.Fprintf(stdout, "image %s %s (%s/%s)\n", release.ImageTag(res.Version), res.ImageDigest, strings.TrimSuffix(res.Dir, "/"), release.ImageDir)
	}
	if ref != nil {
		pushed, err := release.Push(ctx, ref, res)
		if err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "pushed %s\n", pushed)
	}
	return 0
}
