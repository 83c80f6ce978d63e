package cli

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" { // the test binary as tailos (signal tests)
		os.Exit(Main(NewFactory("test"), os.Args[1:]))
	}
	testscript.Main(m, map[string]func(){
		"tailos": func() { os.Exit(Main(NewFactory("test"), os.Args[1:])) },
	})
}

// TestScripts runs the CLI acceptance tests in testdata/script: each .txtar
// is a session of a user at a shell, with the files it needs.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Example specs and the corpus are shared with the scripts.
			env.Setenv("TAILOS_REPO", repoRoot(t))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
		},
	})
}

// cmdExitCode runs a program and asserts its exact exit code:
// "exitcode 2 tailos gen -f bad.yaml". Its output is kept for stdout/stderr.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd + "/../.."
}
