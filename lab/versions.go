package lab

// The versions the lab builds and runs. They carry no build constraint so
// that `tailos version` can report them on every platform, not only where
// the lab itself runs.
const (
	// TailscaleVersion is the Tailscale release the lab builds the extension from.
	TailscaleVersion = "1.96.5"
	// HeadscaleVersion is the Headscale release the lab runs.
	HeadscaleVersion = "v0.27.0"
)
