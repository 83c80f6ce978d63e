//go:build linux

package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/tailos/tailos/tailnet"
)

// TailnetAPI is a client of the lab's Headscale REST API, the tailnet API
// doctor and rollout take: a new API key valid for expiry, the lab's CA,
// and connections dialled from the lab bridge (the lab's addresses exist
// only inside its network). Close its idle connections
// (HTTP.CloseIdleConnections) when done.
func (l *Lab) TailnetAPI(ctx context.Context, expiry time.Duration) (*tailnet.Headscale, error) {
	key, err := l.Headscale.CreateAPIKey(ctx, expiry)
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		return nil, fmt.Errorf("reading the lab's CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", l.Headscale.CA)
	}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return l.DialContext(ctx, addr)
		},
	}
	return &tailnet.Headscale{URL: l.Headscale.URL, APIKey: key, HTTP: &http.Client{Transport: tr, Timeout: 15 * time.Second}}, nil
}
