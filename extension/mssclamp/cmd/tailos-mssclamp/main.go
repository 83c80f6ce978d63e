//go:build linux

// Command tailos-mssclamp is the entrypoint of the tailos-built Tailscale
// extension. Its arguments are containerboot's command line (default
// /usr/local/bin/containerboot).
//
// With TAILOS_MSS_CLAMP unset or off it removes any clamp table a killed
// earlier run left and execs containerboot, so the service is exactly
// containerboot. With auto or a path MTU it runs containerboot as its child,
// forwards signals to it, clamps the TCP MSS of forwarded traffic on
// tailscale0 while containerboot runs, and when containerboot exits removes
// the clamp and exits with its code.
package main

import (
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

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
	if mode.Off {
		if err := (&mssclamp.Rules{}).Remove(); err != nil {
			logger.Printf("mssclamp: %v", err)
		}
		err := syscall.Exec(argv[0], argv, os.Environ())
		fmt.Fprintf(os.Stderr, "tailos-mssclamp: exec %s: %v\n", argv[0], err)
		os.Exit(127)
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
