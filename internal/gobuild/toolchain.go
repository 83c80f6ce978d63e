package gobuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Toolchain runs the go command the way a Build does: its environment and,
// inside Build.Source, its scratch directory.
type Toolchain struct {
	// Cmd is the go command.
	Cmd string
	// Env is the complete environment of every go command.
	Env []string
	// Version is the toolchain's GOVERSION (recorded in stamps).
	Version string
	// Work is an empty scratch directory, removed after the build.
	Work string
}

func newToolchain(ctx context.Context, b *Build) (Toolchain, error) {
	tc := Toolchain{Cmd: b.Go}
	if tc.Cmd == "" {
		tc.Cmd = "go"
	}
	env := append(os.Environ(),
		"CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local",
		"GOOS="+b.GOOS, "GOARCH="+b.GOARCH)
	if len(b.Proxies) > 0 {
		up, err := tc.goEnv(ctx, env, "GOPROXY")
		if err != nil {
			return tc, err
		}
		var parts []string
		for _, p := range b.Proxies {
			abs, err := filepath.Abs(p)
			if err != nil {
				return tc, err
			}
			parts = append(parts, "file://"+filepath.ToSlash(abs))
		}
		if up == "" {
			up = "https://proxy.golang.org,direct"
		}
		env = append(env, "GOPROXY="+strings.Join(append(parts, up), ","))
	}
	if len(b.NoSumDB) > 0 {
		prev, err := tc.goEnv(ctx, env, "GONOSUMDB")
		if err != nil {
			return tc, err
		}
		list := strings.Join(b.NoSumDB, ",")
		if prev != "" {
			list = prev + "," + list
		}
		env = append(env, "GONOSUMDB="+list)
	}
	tc.Env = append(env, b.Env...)
	v, err := tc.goEnv(ctx, tc.Env, "GOVERSION")
	if err != nil {
		return tc, err
	}
	tc.Version = v
	return tc, nil
}

func (tc Toolchain) goEnv(ctx context.Context, env []string, key string) (string, error) {
	cmd := exec.CommandContext(ctx, tc.Cmd, "env", key)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("running %s env %s (a Go toolchain is needed to build this): %w", tc.Cmd, key, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Run runs the go command with args in dir; a failure's error carries the
// end of its output.
func (tc Toolchain) Run(ctx context.Context, dir string, args ...string) error {
	cmd := tc.command(ctx, dir, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, Tail(out.Bytes(), 4000))
	}
	return nil
}

// Output runs the go command with args in dir and returns its standard
// output; a failure's error carries the end of its standard error.
func (tc Toolchain) Output(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := tc.command(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, Tail(stderr.Bytes(), 4000))
	}
	return out, nil
}

func (tc Toolchain) command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, tc.Cmd, args...)
	cmd.Dir = dir
	cmd.Env = tc.Env
	// A cancelled build's compilers may hold the pipes open; do not wait
	// for them forever.
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// Tail is the last n bytes of b, marked when cut: the end of a failed
// build's output is where its error is.
func Tail(b []byte, n int) string {
	if len(b) > n {
		return "…" + string(b[len(b)-n:])
	}
	return string(b)
}
