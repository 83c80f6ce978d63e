// Command tailos runs Tailscale on Talos Linux correctly by construction.
package main

import (
	"os"

	"github.com/tailos/tailos/internal/cli"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() { os.Exit(cli.Main(cli.NewFactory(version), os.Args[1:])) }
