package plan

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/spec"
)

// Operator holds the hybrid setup's manifests: the Tailscale Kubernetes
// operator exposes workloads while the extension keeps talosctl reachable.
type Operator struct {
	// Values are Helm values for the tailscale-operator chart.
	Values []byte
	// Connector is a Connector resource routing the service CIDRs.
	Connector []byte
	// DNSConfig deploys the operator's ts.net nameserver.
	DNSConfig []byte
	// CoreDNS is the server block forwarding the tailnet domain to it.
	CoreDNS []byte
	// Domain is the DNS zone forwarded (ts.net, or a Headscale base domain).
	Domain string
}

type helmValues struct {
	OAuth          map[string]string `yaml:"oauth"`
	LoginServer    string            `yaml:"loginServer,omitempty"`
	OperatorConfig struct {
		Hostname    string   `yaml:"hostname"`
		DefaultTags []string `yaml:"defaultTags"`
	} `yaml:"operatorConfig"`
	ProxyConfig struct {
		DefaultTags string `yaml:"defaultTags"`
	} `yaml:"proxyConfig"`
	APIServerProxyConfig struct {
		Mode string `yaml:"mode"`
	} `yaml:"apiServerProxyConfig"`
}

func buildOperator(s *spec.Spec) (*Operator, error) {
	var v helmValues
	// Credentials go in with --set or the operator-oauth Secret, never here.
	v.OAuth = map[string]string{}
	v.LoginServer = s.Tailnet.LoginServer
	v.OperatorConfig.Hostname = s.Tailnet.Operator.Hostname
	v.OperatorConfig.DefaultTags = []string{OperatorTag}
	v.ProxyConfig.DefaultTags = ProxyTag
	v.APIServerProxyConfig.Mode = "false"

	connector := map[string]any{
		"apiVersion": "tailscale.com/v1alpha1",
		"kind":       "Connector",
		"metadata":   map[string]any{"name": s.Cluster.Name + "-services"},
		"spec": map[string]any{
			"hostname":     s.Cluster.Name + "-services",
			"tags":         []string{ProxyTag},
			"subnetRouter": map[string]any{"advertiseRoutes": s.Cluster.ServiceSubnets},
		},
	}
	dnsConfig := map[string]any{
		"apiVersion": "tailscale.com/v1alpha1",
		"kind":       "DNSConfig",
		"metadata":   map[string]any{"name": "ts-dns"},
		"spec": map[string]any{
			"nameserver": map[string]any{"image": map[string]any{"repo": "tailscale/k8s-nameserver", "tag": "unstable"}},
		},
	}
	domain := "ts.net"
	if d := s.Tailnet.Domain; d != "" && !strings.HasSuffix(d, ".ts.net") {
		domain = d // a Headscale base domain
	}
	coredns := fmt.Sprintf(`# Add to the CoreDNS Corefile (kube-system/coredns ConfigMap). Replace
# NAMESERVER_IP with: kubectl get dnsconfig ts-dns -o jsonpath='{.status.nameserver.ip}'
%s:53 {
    errors
    cache 30
    forward . NAMESERVER_IP
}
`, domain)
	op := &Operator{CoreDNS: []byte(coredns), Domain: domain}
	var err error
	if op.Values, err = toYAML("# Helm values for the tailscale-operator chart (https://pkgs.tailscale.com/helmcharts).\n# Pass the OAuth client with --set oauth.clientId=... --set oauth.clientSecret=...\n", v); err != nil {
		return nil, err
	}
	if op.Connector, err = toYAML("", connector); err != nil {
		return nil, err
	}
	if op.DNSConfig, err = toYAML("", dnsConfig); err != nil {
		return nil, err
	}
	return op, nil
}

func toYAML(header string, v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding operator manifest: %w", err)
	}
	return buf.Bytes(), nil
}
