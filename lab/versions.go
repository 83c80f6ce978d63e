package lab

import "github.com/tailos/tailos/extension"

// The versions the lab builds and runs. They carry no build constraint so
// that `tailos version` can report them on every platform, not only where
// the lab itself runs.
const (
	// TailscaleVersion is the Tailscale release the lab builds the extension
	// from by default (Options.Tailscale selects another).
	TailscaleVersion = extension.DefaultTailscaleVersion
	// HeadscaleVersion is the Headscale release the lab runs.
	HeadscaleVersion = "v0.27.0"
)
