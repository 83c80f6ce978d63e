// Command tailos-mssclamp is the entrypoint of the tailos-built Tailscale
// extension: it runs containerboot (its arguments, default
// /usr/local/bin/containerboot) as a child, forwards signals to it, and,
// when TAILOS_MSS_CLAMP is auto or a path MTU, clamps the TCP MSS of
// forwarded traffic on tailscale0 while containerboot runs. When
// containerboot exits the clamp is removed and its exit code is returned.
package main

import (
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/tailos/tailos/extension/mssclamp"
)

const defaultChild = "/usr/local/bin/containerboot"

func main() {
	logger := log.New(os.Stderr, "", log.LstdFlags)
	argv := os.Args[1:]
	if len(argv) == 0 {
		argv = []string{defaultChild}
	}
	mode := mssclamp.Mode{Off: true}
	if v, ok := os.LookupEnv(mssclamp.EnvMode); ok {
		m, err := mssclamp.ParseMode(v)
		if err != nil {
			// A typo must not cost the node its tailnet: run without the clamp.
			logger.Printf("mssclamp: %s: %v; running without the clamp", mssclamp.EnvMode, err)
		} else {
			mode = m
		}
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, mssclamp.Forwarded...)
	code, err := mssclamp.Supervise(mssclamp.SuperviseOptions{
		Argv:    argv,
		Env:     os.Environ(),
		Clamp:   mssclamp.Config{Mode: mode},
		Signals: sigs,
		ReapAll: os.Getpid() == 1,
		Logf:    logger.Printf,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tailos-mssclamp:", err)
	}
	os.Exit(code)
}
