package cli

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"
)

// Main runs the command line and returns the exit code; errors go to stderr.
func Main(f *Factory, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		if msg := err.Error(); msg != "" && !isSilent(err) {
			fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", msg)
		}
	}
	return ExitCode(err)
}

func isSilent(err error) bool {
	ee, ok := err.(*ExitError)
	return ok && ee.Err == nil
}
