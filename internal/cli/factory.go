// Package cli holds tailos's cobra commands. Each command is a thin adapter:
// NewCmdX(f, runF) parses flags into an options struct and calls a library
// package; runF lets tests capture the options without running the command.
package cli

import (
	"os"

	"github.com/tailos/tailos/internal/iostreams"
)

// Factory gives commands their dependencies, injected so tests can swap them.
type Factory struct {
	IO *iostreams.IOStreams
	// LookupEnv reads the environment (auth references `env:NAME`).
	LookupEnv func(string) (string, bool)
	// Version is the tailos build version.
	Version string
}

// NewFactory returns the factory for a real process.
func NewFactory(version string) *Factory {
	return &Factory{IO: iostreams.System(), LookupEnv: os.LookupEnv, Version: version}
}
