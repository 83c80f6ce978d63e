package doctor

import (
	"net/netip"
	"time"

	"github.com/tailos/tailos/rules"
)

// Expect is what the node should look like, from the tailos spec when one
// is given. The zero value expects nothing beyond the node's own config.
type Expect struct {
	// Mode is the deployment mode; empty infers it from the live config.
	Mode rules.Mode
	// MTU is the TS_DEBUG_MTU the spec computes for this node (0: none).
	MTU int
	// Hostname is the node's tailnet hostname.
	Hostname string
	// Tags are the tags the node should carry.
	Tags []string
	// Routes are the routes the node should advertise.
	Routes []netip.Prefix
	// ExitNode is whether the node should be an approved exit node.
	ExitNode bool
	// KeyExpiryWarn is how soon a node-key expiry is worth a warning
	// (default 14 days).
	KeyExpiryWarn time.Duration
}

func (e Expect) keyExpiryWarn() time.Duration {
	if e.KeyExpiryWarn > 0 {
		return e.KeyExpiryWarn
	}
	return 14 * 24 * time.Hour
}
