package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/tailnet"
)

// TailnetFlags are the --tailnet flags of the commands that read the
// tailnet's API (doctor, apply): which control server, and the credential
// as an env: or file: reference.
type TailnetFlags struct {
	Tailnet      string
	TailnetURL   string
	TailnetName  string
	TailnetKey   string
	TailnetOAuth string
	TailnetCA    string
}

// addTailnetFlags adds the --tailnet flags; use says what the command does
// with the tailnet's API.
func addTailnetFlags(cmd *cobra.Command, f *TailnetFlags, use string) {
	fl := cmd.Flags()
	fl.StringVar(&f.Tailnet, "tailnet", "", use+": tailscale or headscale")
	fl.StringVar(&f.TailnetURL, "tailnet-url", "", "Headscale server URL, or the Tailscale API base URL (default https://api.tailscale.com)")
	fl.StringVar(&f.TailnetName, "tailnet-name", "", "Tailscale tailnet (default: the credential's own)")
	fl.StringVar(&f.TailnetKey, "tailnet-key", "", "API key (or OAuth client secret) as env:NAME or file:PATH")
	fl.StringVar(&f.TailnetOAuth, "tailnet-oauth-client-id", "", "Tailscale OAuth client ID; --tailnet-key is then its secret")
	fl.StringVar(&f.TailnetCA, "tailnet-ca", "", "CA certificate `FILE` for a Headscale with a private CA")
	_ = cmd.RegisterFlagCompletionFunc("tailnet", cobra.FixedCompletions([]string{"tailscale", "headscale"}, cobra.ShellCompDirectiveNoFileComp))
}

// api builds the tailnet API client the flags name (nil without
// --tailnet); command prefixes the errors. Usage errors are err; a
// credential that cannot be read is credErr, which a command may treat as
// "tailnet checks unknown" rather than bad input.
func (f *TailnetFlags) api(command string, lookupEnv func(string) (string, bool)) (api tailnet.API, credErr, err error) {
	if f.Tailnet == "" {
		return nil, nil, nil
	}
	ref := f.TailnetKey
	switch f.Tailnet {
	case "tailscale":
		if ref == "" {
			ref = "env:TS_API_KEY"
			if f.TailnetOAuth != "" {
				ref = "env:TS_API_CLIENT_SECRET"
			}
		}
	case "headscale":
		if ref == "" {
			ref = "env:HEADSCALE_CLI_API_KEY"
		}
		if f.TailnetURL == "" {
			return nil, nil, fmt.Errorf("%s --tailnet headscale: needs --tailnet-url (the Headscale server URL)", command)
		}
	default:
		return nil, nil, fmt.Errorf("%s --tailnet %q: want tailscale or headscale", command, f.Tailnet)
	}
	r := spec.ParseSecretRef(ref)
	if r.Kind == spec.RefInline {
		return nil, nil, errors.New(command + " --tailnet-key: give env:NAME or file:PATH; a key on the command line ends up in shell history and process lists")
	}
	key, err := r.Resolve(lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s --tailnet-key %s: %w", command, r, err), nil
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if f.TailnetCA != "" {
		pem, err := os.ReadFile(f.TailnetCA)
		if err != nil {
			return nil, nil, fmt.Errorf("%s --tailnet-ca: %w", command, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%s --tailnet-ca %s: no PEM certificate in it", command, f.TailnetCA)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Proxy: http.ProxyFromEnvironment}
	}
	if f.Tailnet == "headscale" {
		return &tailnet.Headscale{URL: f.TailnetURL, APIKey: key, HTTP: hc}, nil, nil
	}
	to := tailnet.TailscaleOptions{BaseURL: f.TailnetURL, Tailnet: f.TailnetName, HTTP: hc}
	if f.TailnetOAuth != "" {
		to.OAuthClientID, to.OAuthClientSecret = f.TailnetOAuth, key
	} else {
		to.APIKey = key
	}
	ts, err := tailnet.NewTailscale(to)
	if err != nil {
		return nil, nil, err
	}
	return ts, nil, nil
}
