// Package tailnet reads a tailnet's devices from its control server's API:
// Tailscale through tailscale.com/client/tailscale/v2, Headscale through its
// v0.27 HTTP API with an API key. Both are mapped onto one Device so the
// checks do not care which control server answered.
package tailnet

import (
	"context"
	"time"
)

// Device is one node as the control server sees it.
type Device struct {
	// ID is the control server's identifier, what DeleteDevice takes.
	ID string `json:"id"`
	// Name is the device's tailnet name (MagicDNS label or FQDN).
	Name string `json:"name"`
	// Hostname is the name the node reported (the OS hostname or --hostname).
	Hostname string `json:"hostname"`
	// NodeKey is the node's current WireGuard node key (nodekey:…).
	NodeKey   string   `json:"nodeKey"`
	Addresses []string `json:"addresses"`
	Online    bool     `json:"online"`
	// LastSeen is zero when unknown (or connected now, on Tailscale).
	LastSeen time.Time `json:"lastSeen,omitzero"`
	// Expires is the node key's expiry; zero when it never expires.
	Expires           time.Time `json:"expires,omitzero"`
	KeyExpiryDisabled bool      `json:"keyExpiryDisabled"`
	Tags              []string  `json:"tags"`
	// AdvertisedRoutes are the routes the node offers; ApprovedRoutes the
	// ones the control server lets it serve. Exit nodes appear as the two
	// default routes.
	AdvertisedRoutes []string `json:"advertisedRoutes"`
	ApprovedRoutes   []string `json:"approvedRoutes"`
}

// API is what doctor needs from a control server.
type API interface {
	// Kind names the control server ("tailscale", "headscale").
	Kind() string
	Devices(ctx context.Context) ([]Device, error)
	DeleteDevice(ctx context.Context, id string) error
}
