package schematic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/siderolabs/image-factory/pkg/client"
	factory "github.com/siderolabs/image-factory/pkg/schematic"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
)

// Client talks to an Image Factory over HTTP through the factory's own Go
// client (pkg/client v0.8.4). Where that client lacks a route (GET
// /schematics/ID) or a schematic field, the same routes are called directly
// with the canonical bytes, so nothing is silently dropped.
type Client struct {
	base *url.URL
	fc   *client.Client
	hc   *http.Client
}

// DefaultTimeout bounds every factory request.
const DefaultTimeout = 30 * time.Second

// NewClient returns a client for the factory at baseURL ("" for the
// public factory). Requests time out after timeout (DefaultTimeout if 0).
func NewClient(baseURL string, timeout time.Duration) (*Client, error) {
	u, err := ParseFactoryURL(baseURL)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc := http.Client{Timeout: timeout}
	fc, err := client.New(u.String(), client.WithClient(hc))
	if err != nil {
		return nil, fmt.Errorf("factory client: %w", err)
	}
	return &Client{base: u, fc: fc, hc: &hc}, nil
}

// BaseURL is the factory's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// Name implements Resolver.
func (c *Client) Name() string { return "factory " + c.base.Host }

// toFactory converts to the published struct when nothing would be lost.
func (s *Schematic) toFactory() (factory.Schematic, bool) {
	c := s.Customization
	if s.Owner != "" || c.EmbeddedMachineConfiguration != "" || c.Bootloader != 0 ||
		c.SecureBoot.EnrollKeys != "" || c.DiskImage.SectorSize != 0 {
		return factory.Schematic{}, false
	}
	meta := make([]factory.MetaValue, len(c.Meta))
	for i, m := range c.Meta {
		meta[i] = factory.MetaValue{Key: m.Key, Value: m.Value}
	}
	if len(meta) == 0 {
		meta = nil
	}
	return factory.Schematic{
		Overlay: factory.Overlay{Image: s.Overlay.Image, Name: s.Overlay.Name, Options: s.Overlay.Options},
		Customization: factory.Customization{
			ExtraKernelArgs:  c.ExtraKernelArgs,
			Meta:             meta,
			SystemExtensions: factory.SystemExtensions{OfficialExtensions: c.SystemExtensions.OfficialExtensions},
			SecureBoot:       factory.SecureBootCustomization{IncludeWellKnownCertificates: c.SecureBoot.IncludeWellKnownCertificates},
		},
	}, true
}

// Create registers the schematic (POST /schematics) and returns the ID the
// factory assigned. A public factory rejects a schematic with an owner.
func (c *Client) Create(ctx context.Context, s *Schematic) (string, error) {
	if s.Owner != "" {
		return "", fmt.Errorf("owner %q: the factory sets the owner from the authenticated user; remove it", s.Owner)
	}
	if fs, ok := s.toFactory(); ok {
		id, err := c.fc.SchematicCreate(ctx, fs)
		if err != nil {
			return "", c.wrap("creating schematic", err)
		}
		return id, nil
	}
	data, err := s.Marshal()
	if err != nil {
		return "", err
	}
	body, err := c.do(ctx, http.MethodPost, "/schematics", data, "application/yaml")
	if err != nil {
		return "", c.wrap("creating schematic", err)
	}
	var resp struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || imagefactory.ValidateSchematicID(resp.ID) != nil {
		return "", fmt.Errorf("creating schematic at %s: no schematic ID in the response %q", c.base.Host, truncate(body))
	}
	return resp.ID, nil
}

// Get fetches the canonical schematic stored under id (GET /schematics/ID).
// It returns the schematic as the factory stored it; the factory's bytes
// may predate today's field order, so their hash is not checked here.
func (c *Client) Get(ctx context.Context, id string) (*Schematic, []byte, error) {
	if err := imagefactory.ValidateSchematicID(id); err != nil {
		return nil, nil, err
	}
	body, err := c.do(ctx, http.MethodGet, "/schematics/"+id, nil, "")
	if err != nil {
		if client.IsHTTPErrorCode(err, http.StatusNotFound) {
			return nil, nil, fmt.Errorf("%s at %s: %w", id, c.base.Host, ErrNotFound)
		}
		return nil, nil, c.wrap("fetching schematic "+id, err)
	}
	s, _, err := decode(body)
	if err != nil {
		return nil, body, fmt.Errorf("factory %s returned a schematic tailos cannot read: %w", c.base.Host, err)
	}
	return s, body, nil
}

// Lookup implements Resolver.
func (c *Client) Lookup(ctx context.Context, id string) (*Schematic, error) {
	s, _, err := c.Get(ctx, id)
	return s, err
}

// Versions lists the Talos versions the factory builds.
func (c *Client) Versions(ctx context.Context) ([]string, error) {
	v, err := c.fc.Versions(ctx)
	if err != nil {
		return nil, c.wrap("listing versions", err)
	}
	return v, nil
}

// Extensions lists the official extensions for a Talos version.
func (c *Client) Extensions(ctx context.Context, talosVersion string) ([]client.ExtensionInfo, error) {
	sv, err := ParseTalosVersion(talosVersion)
	if err != nil {
		return nil, err
	}
	ext, err := c.fc.ExtensionsVersions(ctx, "v"+sv.String())
	if err != nil {
		return nil, c.wrap("listing extensions for v"+sv.String(), err)
	}
	return ext, nil
}

// do performs one request the published client does not offer, with the
// same error type it returns.
func (c *Client) do(ctx context.Context, method, path string, body []byte, contentType string) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.JoinPath(path).String(), r)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= http.StatusBadRequest {
		return nil, &client.HTTPError{Code: resp.StatusCode, Message: string(truncate(data))}
	}
	return data, nil
}

// wrap adds what was asked of which factory, and a hint for timeouts.
func (c *Client) wrap(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return fmt.Errorf("%s at %s: timed out: %w", what, c.base.Host, err)
	}
	return fmt.Errorf("%s at %s: %w", what, c.base.Host, err)
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func truncate(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) > 512 {
		return append(b[:512:512], []byte("...")...)
	}
	return b
}

// IsInvalid reports whether the factory rejected a schematic (HTTP 400).
func IsInvalid(err error) bool {
	return client.IsInvalidSchematicError(err) || client.IsHTTPErrorCode(err, http.StatusBadRequest)
}

// TailscaleVersion returns the Tailscale version of the official extension
// in a factory's extension list (the tag of its image reference).
func TailscaleVersion(ext []client.ExtensionInfo) (string, bool) {
	for _, e := range ext {
		if e.Name == tailscaleext.Name {
			if i := strings.LastIndex(e.Ref, ":"); i >= 0 && !strings.Contains(e.Ref[i:], "/") {
				return strings.TrimPrefix(e.Ref[i+1:], "v"), true
			}
			return "", false
		}
	}
	return "", false
}
