package tailnet

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	tsclient "tailscale.com/client/tailscale/v2"
)

// Tailscale reads devices through Tailscale's API client.
type Tailscale struct {
	c *tsclient.Client
}

// TailscaleOptions configure the Tailscale API client. Give APIKey, or
// OAuth client credentials (scope devices:core).
type TailscaleOptions struct {
	// BaseURL defaults to https://api.tailscale.com.
	BaseURL string
	// Tailnet defaults to "-", the credential's own tailnet.
	Tailnet           string
	APIKey            string
	OAuthClientID     string
	OAuthClientSecret string
	HTTP              *http.Client
}

// NewTailscale builds the client. It does not call the API.
func NewTailscale(o TailscaleOptions) (*Tailscale, error) {
	c := &tsclient.Client{Tailnet: o.Tailnet, HTTP: o.HTTP, UserAgent: "tailos-doctor"}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || u.Scheme == "" {
			return nil, fmt.Errorf("tailscale API: bad base URL %q", o.BaseURL)
		}
		c.BaseURL = u
	}
	switch {
	case o.OAuthClientID != "" && o.OAuthClientSecret != "":
		c.Auth = &tsclient.OAuth{ClientID: o.OAuthClientID, ClientSecret: o.OAuthClientSecret, Scopes: []string{"devices:core"}}
	case o.APIKey != "":
		c.APIKey = o.APIKey
	default:
		return nil, fmt.Errorf("tailscale API: no credentials (an API key, or an OAuth client ID and secret)")
	}
	return &Tailscale{c: c}, nil
}

// Kind implements API.
func (t *Tailscale) Kind() string { return "tailscale" }

// Devices lists the tailnet's devices with all fields (routes included).
func (t *Tailscale) Devices(ctx context.Context) ([]Device, error) {
	ds, err := t.c.Devices().List(ctx, tsclient.WithFields(tsclient.IncludeFieldsAll))
	if err != nil {
		return nil, fmt.Errorf("tailscale API: listing devices: %w", err)
	}
	out := make([]Device, 0, len(ds))
	for _, d := range ds {
		id := d.NodeID
		if id == "" {
			id = d.ID
		}
		dev := Device{
			ID:                id,
			Name:              d.Name,
			Hostname:          d.Hostname,
			NodeKey:           d.NodeKey,
			Addresses:         d.Addresses,
			Online:            d.ConnectedToControl,
			KeyExpiryDisabled: d.KeyExpiryDisabled,
			Tags:              d.Tags,
			AdvertisedRoutes:  d.AdvertisedRoutes,
			ApprovedRoutes:    d.EnabledRoutes,
		}
		if d.LastSeen != nil {
			dev.LastSeen = d.LastSeen.Time
		}
		if !d.KeyExpiryDisabled && !d.Expires.IsZero() {
			dev.Expires = d.Expires.Time
		}
		out = append(out, dev)
	}
	return out, nil
}

// DeleteDevice removes a device.
func (t *Tailscale) DeleteDevice(ctx context.Context, id string) error {
	if err := t.c.Devices().Delete(ctx, id); err != nil {
		return fmt.Errorf("tailscale API: deleting device %s: %w", id, err)
	}
	return nil
}
