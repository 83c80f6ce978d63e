package tailnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Headscale talks to Headscale's HTTP API (grpc-gateway over
// proto/headscale/v1/headscale.proto) with an API key.
type Headscale struct {
	// URL is the server_url, e.g. https://headscale.example.com.
	URL    string
	APIKey string
	// HTTP is the client to use (default: 30 s timeout).
	HTTP *http.Client
}

// Kind implements API.
func (h *Headscale) Kind() string { return "headscale" }

// hsNode is headscale.v1.Node as grpc-gateway renders it (protojson:
// lowerCamelCase names, 64-bit integers as strings, RFC 3339 times).
type hsNode struct {
	ID              flexUint   `json:"id"`
	NodeKey         string     `json:"nodeKey"`
	IPAddresses     []string   `json:"ipAddresses"`
	Name            string     `json:"name"`
	GivenName       string     `json:"givenName"`
	LastSeen        *time.Time `json:"lastSeen"`
	Expiry          *time.Time `json:"expiry"`
	Online          bool       `json:"online"`
	ValidTags       []string   `json:"validTags"`
	ForcedTags      []string   `json:"forcedTags"`
	ApprovedRoutes  []string   `json:"approvedRoutes"`
	AvailableRoutes []string   `json:"availableRoutes"`
}

// flexUint accepts protojson's quoted uint64 and a bare number.
type flexUint uint64

func (f *flexUint) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("id %s: %w", b, err)
	}
	*f = flexUint(n)
	return nil
}

// Devices lists every node (GET /api/v1/node).
func (h *Headscale) Devices(ctx context.Context) ([]Device, error) {
	var resp struct {
		Nodes []hsNode `json:"nodes"`
	}
	if err := h.do(ctx, http.MethodGet, "/api/v1/node", nil, &resp); err != nil {
		return nil, err
	}
	out := make([]Device, 0, len(resp.Nodes))
	for _, n := range resp.Nodes {
		d := Device{
			ID:               strconv.FormatUint(uint64(n.ID), 10),
			Name:             n.GivenName,
			Hostname:         n.Name,
			NodeKey:          n.NodeKey,
			Addresses:        n.IPAddresses,
			Online:           n.Online,
			Tags:             append(append([]string{}, n.ValidTags...), n.ForcedTags...),
			AdvertisedRoutes: n.AvailableRoutes,
			ApprovedRoutes:   n.ApprovedRoutes,
		}
		if n.LastSeen != nil {
			d.LastSeen = *n.LastSeen
		}
		// Headscale reports a zero or absent expiry for keys that never expire.
		if n.Expiry != nil && n.Expiry.Year() > 1 {
			d.Expires = *n.Expiry
		} else {
			d.KeyExpiryDisabled = true
		}
		out = append(out, d)
	}
	return out, nil
}

// DeleteDevice removes a node (DELETE /api/v1/node/{nodeId}).
func (h *Headscale) DeleteDevice(ctx context.Context, id string) error {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return fmt.Errorf("headscale: node id %q is not a number", id)
	}
	return h.do(ctx, http.MethodDelete, "/api/v1/node/"+id, nil, nil)
}

func (h *Headscale) do(ctx context.Context, method, path string, body, out any) error {
	base, err := url.Parse(strings.TrimRight(h.URL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return fmt.Errorf("headscale: bad URL %q", h.URL)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base.String()+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.APIKey)
	req.Header.Set("Accept", "application/json")
	hc := h.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("headscale %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("headscale %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(data))
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &e) == nil && e.Message != "" {
			msg = e.Message
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("headscale %s %s: %s: the API key is invalid or expired (headscale apikeys create)", method, path, resp.Status)
		}
		return fmt.Errorf("headscale %s %s: %s: %s", method, path, resp.Status, msg)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("headscale %s %s: decoding answer: %w", method, path, err)
		}
	}
	return nil
}
