package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tailos/tailos/secret"
)

// Main runs the command line and returns the exit code; errors go to stderr.
// SIGINT and SIGTERM cancel the command's context: every long loop and
// blocking read returns, and the exit code is 128 + the signal's number; a
// second signal exits at once.
func Main(f *Factory, args []string) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			cancel(&interrupted{s.(syscall.Signal)})
			// A second signal does not wait for the command to wind down.
			s = <-sigs
			fmt.Fprintf(f.IO.ErrOut, "Error: interrupted by %s again\n", signalName(s.(syscall.Signal)))
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-ctx.Done():
		}
	}()

	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var sig *interrupted
	if errors.As(context.Cause(ctx), &sig) {
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", sig)
		return 128 + int(sig.sig)
	}
	if err != nil {
		if msg := err.Error(); msg != "" && !isSilent(err) {
			fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", clip(secret.Mask(msg)))
		}
	}
	return ExitCode(err)
}

// interrupted is the cancellation cause when a signal arrives.
type interrupted struct{ sig syscall.Signal }

func (e *interrupted) Error() string { return "interrupted by " + signalName(e.sig) }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// Error messages can quote input (machinery errors dump whole documents):
// at most maxErrLines lines of at most maxErrLine bytes are printed.
const (
	maxErrLines = 50
	maxErrLine  = 400
)

func clip(msg string) string {
	lines := strings.Split(msg, "\n")
	dropped := 0
	if len(lines) > maxErrLines {
		dropped = len(lines) - maxErrLines
		lines = lines[:maxErrLines]
	}
	for i, l := range lines {
		if len(l) > maxErrLine {
			cut := maxErrLine
			for cut > 0 && !isRuneStart(l[cut]) {
				cut--
			}
			lines[i] = l[:cut] + fmt.Sprintf("… (%d more bytes)", len(l)-cut)
		}
	}
	if dropped > 0 {
		lines = append(lines, fmt.Sprintf("… (%d more lines)", dropped))
	}
	return strings.Join(lines, "\n")
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func isSilent(err error) bool {
	var ee *ExitError
	return errors.As(err, &ee) && ee.Err == nil
}
