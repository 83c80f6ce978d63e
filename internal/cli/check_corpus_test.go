package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/internal/iostreams"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/corpus/*.txt from the current output")

// corpusDir holds 20 Talos + Tailscale configurations from public
// repositories (secrets faked), copied from the published corpus so the test
// is hermetic; INDEX.md beside them says what each gets wrong.
const corpusDir = "../../lint/testdata/realworld"

// TestCorpus runs `tailos check` on every real-world configuration and
// compares the text report and exit code with a golden file that was read
// and judged finding by finding (docs/corpus.md). A file that panics,
// hangs or changes its findings fails the test.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.yaml"))
	if err != nil || len(files) != 20 {
		t.Fatalf("corpus: want 20 files in %s, got %d (%v)", corpusDir, len(files), err)
	}
	abs, err := filepath.Abs(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	goldenDir, err := filepath.Abs(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name[:2], func(t *testing.T) {
			got := runCorpusCheck(t, abs, name)
			golden := filepath.Join(goldenDir, strings.TrimSuffix(name, ".yaml")+".txt")
			if *updateCorpus {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -run TestCorpus -update-corpus)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s changed; diff the output against %s:\n%s", name, golden, got)
			}
		})
	}
}

// runCorpusCheck runs the command in the corpus directory, so reports name
// files as a user who typed `tailos check FILE` there would see them, and
// bounds it: a hang is a failure, not a stuck test binary.
func runCorpusCheck(t *testing.T, dir, name string) []byte {
	t.Helper()
	t.Chdir(dir)
	ios, _, out, errOut := iostreams.Test()
	done := make(chan int, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				fmt.Fprintf(errOut, "PANIC: %v", r)
				done <- -1
			}
		}()
		noEnv := func(string) (string, bool) { return "", false }
		done <- Main(&Factory{IO: ios, LookupEnv: noEnv, Version: "test"}, []string{"check", name})
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: check did not finish in 2 minutes", name)
	}
	if code < 0 {
		t.Fatalf("%s: %s", name, errOut)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ tailos check %s\n# exit %d\n", name, code)
	b.Write(out.Bytes())
	if errOut.Len() > 0 {
		b.WriteString("# stderr\n")
		b.Write(errOut.Bytes())
	}
	return b.Bytes()
}

// BenchmarkCorpus checks the 20 real-world files, one `tailos check` per
// file as a user would run it (talhelper rendering, patching onto a
// generated base, rules, cross-node pass, text report).
func BenchmarkCorpus(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		b.Fatalf("corpus: %v", err)
	}
	noEnv := func(string) (string, bool) { return "", false }
	for b.Loop() {
		for _, f := range files {
			ios, _, _, _ := iostreams.Test()
			Main(&Factory{IO: ios, LookupEnv: noEnv, Version: "test"}, []string{"check", f})
		}
	}
	b.ReportMetric(float64(len(files)), "files/op")
}

// TestCorpusCopy keeps the copy in lint/testdata/realworld equal to the
// published corpus it came from, when that is at hand ($TAILOS_CORPUS, or
// shared/realworld beside the repository); the copy alone is enough to run
// TestCorpus, so its absence only skips this check.
func TestCorpusCopy(t *testing.T) {
	src := os.Getenv("TAILOS_CORPUS")
	if src == "" {
		src = filepath.Join(repoRoot(t), "..", "shared", "realworld")
	}
	if _, err := os.Stat(filepath.Join(src, "INDEX.md")); err != nil {
		t.Skipf("no source corpus at %s (set TAILOS_CORPUS); the copy in %s is used as is", src, corpusDir)
	}
	names, err := filepath.Glob(filepath.Join(src, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	names = append(names, filepath.Join(src, "INDEX.md"))
	for _, p := range names {
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(corpusDir, filepath.Base(p)))
		if err != nil {
			t.Errorf("%s is not copied into %s: %v", filepath.Base(p), corpusDir, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s: copy it again and review the goldens", filepath.Base(p), p)
		}
	}
}
