//go:build linux

package lab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tailos/tailos/facts/tailnetip"
	"github.com/tailos/tailos/secret"
)

// Headscale is the lab's control server, running in its own namespace.
type Headscale struct {
	Bin    string
	Dir    string
	Netns  string
	Addr   string // underlay address it listens on
	URL    string // server_url, what nodes use as --login-server
	CA     string // the lab CA that signed Headscale's certificate
	config string

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	logf     *os.File
	stopping bool
	stopped  chan struct{} // closed when supervision has ended
	restarts int
}

// headscaleRestartDelay is the pause before a crashed Headscale is started
// again.
const headscaleRestartDelay = time.Second

const headscalePort = 443

// headscaleConfig is a minimal Headscale 0.27 configuration: HTTPS on port
// 443 of the lab underlay with a certificate from the lab's CA, the
// embedded DERP server and no outside DERP map, the policy from a file,
// sqlite state in the lab directory.
func headscaleConfig(dir, addr string) string {
	p := func(name string) string { return strconv.Quote(filepath.Join(dir, name)) }
	return fmt.Sprintf(`server_url: https://%[1]s
listen_addr: %[1]s:%[2]d
metrics_listen_addr: 127.0.0.1:9090
grpc_listen_addr: 127.0.0.1:50443
noise:
  private_key_path: %[3]s
prefixes:
  v4: %[10]s
  v6: %[11]s
  allocation: sequential
derp:
  server:
    enabled: true
    region_id: 999
    region_code: lab
    region_name: tailos lab
    stun_listen_addr: %[1]s:3478
    private_key_path: %[4]s
    automatically_add_embedded_derp_region: true
    ipv4: %[1]s
  urls: []
  paths: []
  auto_update_enabled: false
disable_check_updates: true
ephemeral_node_inactivity_timeout: 30m
database:
  type: sqlite
  sqlite:
    path: %[5]s
    write_ahead_log: true
log:
  level: info
  format: text
policy:
  mode: file
  path: %[6]s
dns:
  magic_dns: true
  base_domain: lab.tailnet
  override_local_dns: false
  nameservers:
    global: []
unix_socket: %[7]s
unix_socket_permission: "0770"
logtail:
  enabled: false
tls_cert_path: %[8]s
tls_key_path: %[9]s
`, addr, headscalePort, p("noise_private.key"), p("derp_server_private.key"), p("db.sqlite"), p("policy.hujson"), p("headscale.sock"), p("tls.crt"), p("tls.key"),
		tailnetip.IPv4, tailnetip.IPv6)
}

// Start writes the configuration and policy and starts `headscale serve`
// inside the namespace, then waits until it answers HTTP.
func (h *Headscale) Start(ctx context.Context, policy []byte) error {
	if err := privateDir(h.Dir); err != nil {
		return err
	}
	h.URL = "https://" + h.Addr
	h.CA = filepath.Join(h.Dir, "ca.pem")
	if err := labCA(net.ParseIP(h.Addr), h.CA, filepath.Join(h.Dir, "tls.crt"), filepath.Join(h.Dir, "tls.key")); err != nil {
		return err
	}
	h.config = filepath.Join(h.Dir, "config.yaml")
	if err := os.WriteFile(h.config, []byte(headscaleConfig(h.Dir, h.Addr)), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(h.Dir, "policy.hujson"), policy, 0o600); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(h.Dir, "headscale.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	h.logf = logf
	h.stopped = make(chan struct{})
	if err := h.launch(); err != nil {
		return err
	}
	go h.supervise()
	return h.waitReady(ctx, 30*time.Second)
}

// launch starts one `headscale serve`.
func (h *Headscale) launch() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	cmd := exec.Command("nsenter", "--net="+NetnsPath(h.Netns), "--", h.Bin, "serve", "-c", h.config)
	cmd.Dir = h.Dir
	cmd.Stdout, cmd.Stderr = h.logf, h.logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting headscale: %w", err)
	}
	h.cmd = cmd
	done := make(chan struct{})
	h.done = done
	go func() { _ = cmd.Wait(); close(done) }()
	return nil
}

// supervise restarts Headscale whenever it exits until Stop, as a
// service manager would: nodes keep a control server.
func (h *Headscale) supervise() {
	defer close(h.stopped)
	for {
		h.mu.Lock()
		done := h.done
		h.mu.Unlock()
		<-done
		h.mu.Lock()
		stopping := h.stopping
		if !stopping {
			h.restarts++
			fmt.Fprintf(h.logf, "[lab] %s headscale exited (%v); restarting\n", time.Now().UTC().Format(time.RFC3339), h.cmd.ProcessState)
		}
		h.mu.Unlock()
		if stopping {
			return
		}
		time.Sleep(headscaleRestartDelay)
		h.mu.Lock()
		stopping = h.stopping
		h.mu.Unlock()
		if stopping {
			return
		}
		if err := h.launch(); err != nil {
			fmt.Fprintf(h.logf, "[lab] %v\n", err)
			return
		}
	}
}

// Restarts is how often Headscale was restarted after exiting.
func (h *Headscale) Restarts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.restarts
}

// PID is the headscale process id (0 when not running).
func (h *Headscale) PID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil || h.cmd.Process == nil {
		return 0
	}
	return h.cmd.Process.Pid
}

func (h *Headscale) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h.mu.Lock()
	done := h.done
	h.mu.Unlock()
	var lastErr error
	for {
		lastErr = h.health()
		if lastErr == nil {
			if _, err := os.Stat(filepath.Join(h.Dir, "headscale.sock")); err == nil {
				return nil
			}
		}
		select {
		case <-done:
			return fmt.Errorf("headscale exited; see %s", filepath.Join(h.Dir, "headscale.log"))
		case <-ctx.Done():
			return fmt.Errorf("headscale not ready after %s: %v; see %s", timeout, lastErr, filepath.Join(h.Dir, "headscale.log"))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// health asks GET /health over a connection opened inside the lab
// namespace (an http.Client would dial from another thread, and through
// any proxy the environment names).
func (h *Headscale) health() error {
	var c net.Conn
	err := InNetns(h.Netns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", net.JoinHostPort(h.Addr, strconv.Itoa(headscalePort)), time.Second)
		return err
	})
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	pem, err := os.ReadFile(h.CA)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: h.Addr})
	fmt.Fprintf(tc, "GET /health HTTP/1.0\r\nHost: %s\r\n\r\n", h.Addr)
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s", resp.Status)
	}
	return nil
}

// Stop terminates headscale, killing it after a grace period.
func (h *Headscale) Stop() {
	h.mu.Lock()
	if h.cmd == nil || h.stopping {
		h.mu.Unlock()
		return
	}
	h.stopping = true
	cmd, done := h.cmd, h.done
	h.mu.Unlock()
	stopProcess(cmd.Process.Pid, done, 5*time.Second)
	<-h.stopped
	if h.logf != nil {
		h.logf.Close()
	}
}

// CLI runs the headscale command line against the running server (over its
// unix socket) and returns stdout.
func (h *Headscale) CLI(ctx context.Context, args ...string) ([]byte, error) {
	full := append([]string{"-c", h.config}, args...)
	cmd := exec.CommandContext(ctx, h.Bin, full...)
	cmd.Dir = h.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("headscale %s: %w: %s", redactArgs(args), err, strings.TrimSpace(stderr.String()+" "+stdout.String()))
	}
	return stdout.Bytes(), nil
}

// redactArgs hides pre-auth keys in error messages.
func redactArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if secret.Kind(a) != "" || (len(a) >= 32 && !strings.Contains(a, "/")) {
			a = secret.Redact(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// HSUser is a Headscale user.
type HSUser struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// CreateUser creates a user and returns it.
func (h *Headscale) CreateUser(ctx context.Context, name string) (HSUser, error) {
	out, err := h.CLI(ctx, "users", "create", name, "-o", "json")
	if err != nil {
		return HSUser{}, err
	}
	var u HSUser
	if err := json.Unmarshal(out, &u); err != nil {
		return HSUser{}, fmt.Errorf("headscale users create: %w", err)
	}
	return u, nil
}

// CreateAuthKey creates a reusable pre-auth key for user (Headscale 0.27
// takes the user's ID) valid for expiry.
func (h *Headscale) CreateAuthKey(ctx context.Context, user HSUser, expiry time.Duration) (string, error) {
	out, err := h.CLI(ctx, "preauthkeys", "create", "--user", strconv.FormatUint(user.ID, 10), "--reusable", "--expiration", expiry.String(), "-o", "json")
	if err != nil {
		return "", err
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out, &k); err != nil || k.Key == "" {
		return "", fmt.Errorf("headscale preauthkeys create: no key in output (%v)", err)
	}
	return k.Key, nil
}

// ExpireAuthKey expires a pre-auth key now (a revoked key, as far as
// clients can tell).
func (h *Headscale) ExpireAuthKey(ctx context.Context, user HSUser, key string) error {
	_, err := h.CLI(ctx, "preauthkeys", "expire", "--user", strconv.FormatUint(user.ID, 10), key)
	return err
}

// HSNode is a device as Headscale lists it.
type HSNode struct {
	ID              uint64   `json:"id"`
	MachineKey      string   `json:"machine_key"`
	NodeKey         string   `json:"node_key"`
	Name            string   `json:"name"`
	GivenName       string   `json:"given_name"`
	IPAddresses     []string `json:"ip_addresses"`
	Online          bool     `json:"online"`
	ApprovedRoutes  []string `json:"approved_routes"`
	AvailableRoutes []string `json:"available_routes"`
	SubnetRoutes    []string `json:"subnet_routes"`
	ValidTags       []string `json:"valid_tags"`
	User            struct {
		Name string `json:"name"`
	} `json:"user"`
}

// Nodes lists every device Headscale knows.
func (h *Headscale) Nodes(ctx context.Context) ([]HSNode, error) {
	out, err := h.CLI(ctx, "nodes", "list", "-o", "json")
	if err != nil {
		return nil, err
	}
	var ns []HSNode
	if s := strings.TrimSpace(string(out)); s == "" || s == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(out, &ns); err != nil {
		return nil, fmt.Errorf("headscale nodes list: %w", err)
	}
	return ns, nil
}

// stopProcess sends SIGTERM to pid (and its process group), waits for done
// up to grace, then SIGKILLs.
func stopProcess(pid int, done <-chan struct{}, grace time.Duration) {
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// CreateAPIKey makes a Headscale API key (for its REST API under URL,
// `Authorization: Bearer KEY`), valid for expiry.
func (h *Headscale) CreateAPIKey(ctx context.Context, expiry time.Duration) (string, error) {
	out, err := h.CLI(ctx, "apikeys", "create", "--expiration", expiry.String())
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(out))
	if key == "" || strings.ContainsAny(key, " \n") {
		return "", fmt.Errorf("headscale apikeys create: unexpected output")
	}
	return key, nil
}
