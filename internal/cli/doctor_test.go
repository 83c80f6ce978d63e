package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cryptox509 "github.com/siderolabs/crypto/x509"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"

	"github.com/tailos/tailos/internal/iostreams"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf; notAfter in the past makes it expired.
func (ca *testCA) issue(t *testing.T, server bool, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "leaf", Organization: []string{"os:admin"}},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// tlsServer accepts TLS on 127.0.0.1 with a certificate from ca; with
// clientCA it demands a client certificate from that CA, as apid does.
func tlsServer(t *testing.T, ca, clientCA *testCA) string {
	t.Helper()
	crt, key := ca.issue(t, true, time.Now().Add(time.Hour))
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: []string{"h2"}}
	if clientCA != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clientCA.cert)
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = c.(*tls.Conn).Handshake()
				time.Sleep(100 * time.Millisecond)
				c.Close()
			}()
		}
	}()
	return l.Addr().String()
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func writeDoctorTalosconfig(t *testing.T, ca *testCA, crt, key []byte, endpoint string) string {
	t.Helper()
	cfg := clientconfig.NewConfig("lab", []string{endpoint}, ca.pem, &cryptox509.PEMEncodedCertificateAndKey{Crt: crt, Key: key})
	data, err := cfg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "talosconfig")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The connection failures users meet, against real TCP and TLS endpoints
// on 127.0.0.1: one clear line, no stack trace, no key or certificate, and
// exit 2 because nothing could be checked.
func TestDoctorConnectionFailures(t *testing.T) {
	ca := newTestCA(t, "cluster")
	other := newTestCA(t, "another cluster")
	crt, key := ca.issue(t, false, time.Now().Add(time.Hour))
	expiredCrt, expiredKey := ca.issue(t, false, time.Now().Add(-time.Hour))
	tests := []struct {
		name     string
		endpoint string
		crt, key []byte
		want     string
	}{
		{"unreachable endpoint", closedPort(t), crt, key, "unreachable: connection refused"},
		{"wrong CA", tlsServer(t, other, nil), crt, key, "not signed by the talosconfig's CA"},
		{"expired client certificate", tlsServer(t, ca, ca), expiredCrt, expiredKey, "TLS: certificate expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeDoctorTalosconfig(t, ca, tt.crt, tt.key, tt.endpoint)
			ios, _, out, errOut := iostreams.Test()
			f := &Factory{IO: ios, LookupEnv: func(string) (string, bool) { return "", false }, Version: "test"}
			code := Main(f, []string{"doctor", "--talosconfig", cfg, "-n", "127.0.0.1", "--timeout", "10s"})
			all := out.String() + errOut.String()
			t.Logf("output:\n%s", all)
			if code != ExitBadInput {
				t.Errorf("exit %d, want 2; output:\n%s", code, all)
			}
			if !strings.Contains(all, tt.want) {
				t.Errorf("output does not say %q:\n%s", tt.want, all)
			}
			for _, secret := range []string{"BEGIN", "goroutine", string(tt.key[40:60]), string(ca.pem[40:60])} {
				if strings.Contains(all, secret) {
					t.Errorf("output contains %q:\n%s", secret, all)
				}
			}
		})
	}
}
