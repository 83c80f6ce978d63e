package cli

import (
	"errors"
	"fmt"
)

// Exit codes shared by every command, as documented in README.md.
const (
	ExitOK       = 0
	ExitFindings = 1 // the command ran and found errors (check, verify)
	ExitBadInput = 2 // bad input or usage: nothing was written
)

// ExitError carries the process exit code alongside the error to print.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// BadInput marks err as a bad-input error (exit code 2).
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: ExitBadInput, Err: err}
}

// Findings returns an error that only sets exit code 1; its message has
// already been reported by the command's own output.
func Findings() error { return &ExitError{Code: ExitFindings} }

// ExitCode maps an error returned by a command to the process exit code.
// Errors not marked otherwise are usage or input errors.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitBadInput
}
