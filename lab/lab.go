//go:build linux

package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/extensions/services"

	"github.com/tailos/tailos/extension"
	"github.com/tailos/tailos/lab/talosnode"
	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/spec"
)

// LabEnv are the variables the lab adds to every node's environment. They
// exist only because the lab's Headscale has a certificate from a
// throwaway CA and no Internet around it; a real node needs none of them.
var LabEnv = []string{
	// Trust the lab CA (bound at LabCAPath) instead of the system roots.
	"SSL_CERT_FILE=" + LabCAPath,
	// No log upload to log.tailscale.io: there is no Internet in the lab.
	"TS_NO_LOGS_NO_SUPPORT=true",
}

// LabCAPath is where a node's container sees the lab CA.
const LabCAPath = "/tailos-lab/ca.pem"

// Options describe a lab.
type Options struct {
	// Dir holds the lab's state; it must not hold another lab.
	Dir string
	// SpecFile is a tailos.yaml; empty means BuiltinSpec(Nodes, ...).
	SpecFile string
	// Nodes is the number of nodes of the built-in spec (default 2).
	Nodes int
	// UnderlayMTU is the MTU of every lab link (default: the spec's
	// cluster.underlayMTU, else 1500).
	UnderlayMTU int
	// KeepFragments lets IPv4 fragments through. By default the nodes drop
	// them (ipfrag_high_thresh=0), as many clouds and firewalls do: an
	// underlay too small for Tailscale's packets then stalls instead of
	// limping along on fragments.
	KeepFragments bool
	// MTU is the built-in spec's tailnet.mtu: "auto" (default), a number,
	// or "default" for Tailscale's own 1280.
	MTU string
	// NoTailnetIPv6 sets the built-in spec's tailnet.ipv6 to false, so
	// mtu: auto may go below 1280 on a small underlay.
	NoTailnetIPv6 bool
	// Extension is an unpacked extension (manifest.yaml + rootfs/), or an
	// OCI layout or image tarball of one (see extension.Open: local only);
	// empty builds one from tailscale.com@Tailscale (cached).
	Extension string
	// Tailscale is the tailscale.com release the default extension is
	// built from (default TailscaleVersion; older ones stay selectable).
	Tailscale string
	// CacheDir holds built binaries; empty is the tailos cache.
	CacheDir string
	// ExtraEnv are more lab-only variables (see LabEnv), placed last so
	// they override the generated config, as a later entry does on Talos.
	ExtraEnv []string
	// Self is the argv that re-executes this program as a container init
	// (it must call RunContainerInit when IsContainerInit); empty means
	// os.Executable() with no arguments.
	Self []string
	// Progress, when set, hears about slow steps.
	Progress func(format string, args ...any) `json:"-"`
	// ReadyTimeout bounds the wait for every node to be Running (default 2m).
	ReadyTimeout time.Duration
	// Runtime is what runs the nodes: RuntimeTalos (default) or
	// RuntimeEmulated.
	Runtime Runtime
	// SkipTailnetWait returns once the nodes run (Talos: machined
	// running) without waiting for them to join the tailnet.
	SkipTailnetWait bool
	// CreatedWith is the Talos version whose tooling generates the nodes'
	// configs (default talosnode.TalosVersion): v1.13.x gives the v1alpha1
	// shape of a cluster set up before its upgrade to 1.14 (Talos runtime).
	CreatedWith string
	// NoTailscaleConfig boots the nodes with the cluster's config alone,
	// without the tailos patch: no ExtensionServiceConfig, so the nodes
	// are not on the tailnet until a config is applied (LabPatch holds what
	// only the lab adds). It implies SkipTailnetWait (Talos runtime).
	NoTailscaleConfig bool
	// WorkerConfigs boots the spec's workers with machinery's worker
	// config (no etcd, no trustd) instead of the controlplane config every
	// node gets by default (Talos runtime).
	WorkerConfigs bool
}

// Lab is a running lab.
type Lab struct {
	ID        string
	Dir       string
	Spec      *spec.Spec
	Plan      *plan.Plan
	Headscale *Headscale
	Nodes     []*Node
	AuthKey   string
	KeyUser   HSUser

	opts       Options
	extDir     string
	svcSpec    *services.Spec
	namespaces []string
	mu         sync.Mutex

	// Talos runtime.
	rootfs      string
	cgroupRoot  string
	reaper      *os.File
	release     func() // the directory claim
	cluster     *talosnode.Cluster
	talosconfig *clientconfig.Config
}

// Node is one lab node.
type Node struct {
	Name    string
	Netns   string
	Addr    netip.Addr
	Dir     string
	Plan    plan.Node
	Env     []string
	Behind  []netip.Addr // hosts behind this node's advertised routes
	Service *Service     // emulated runtime

	// Talos runtime: the node, the patch tailos generated for it (with the
	// lab's key and login server) and the machine config it boots.
	Talos         *talosnode.Node
	Patch         []byte
	MachineConfig []byte
	startsBefore  int // ext-tailscale starts in earlier boots
}

// Socket is the node's tailscaled socket as seen from the host.
func (n *Node) Socket() string { return filepath.Join(n.Dir, "run", "tailscale", "tailscaled.sock") }

// StateDir is the node's /var/lib/tailscale as seen from the host.
func (n *Node) StateDir() string { return filepath.Join(n.Dir, "var", "lib", "tailscale") }

// LogPath is the service log (what `talosctl logs ext-tailscale` shows).
func (n *Node) LogPath() string { return filepath.Join(n.Dir, "service.log") }

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// Up builds what is missing, creates the namespaces, starts Headscale and
// every node, and waits until all nodes are Running. On failure everything
// it made is removed.
func Up(ctx context.Context, o Options) (l *Lab, err error) {
	if o.Nodes == 0 {
		o.Nodes = 2
	}
	switch o.MTU {
	case "":
		o.MTU = "auto"
	case "default":
		o.MTU = ""
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 2 * time.Minute
	}
	switch o.Runtime {
	case "":
		o.Runtime = RuntimeTalos
	case RuntimeTalos, RuntimeEmulated:
	default:
		return nil, fmt.Errorf("unknown lab runtime %q (want %s or %s)", o.Runtime, RuntimeTalos, RuntimeEmulated)
	}
	if o.Dir == "" {
		return nil, errors.New("lab directory required")
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("the lab needs root (network namespaces, mounts, /dev/net/tun)")
	}
	// A unix socket path holds at most 107 bytes: nodes' tailscaled
	// sockets and Headscale's live under the lab directory.
	if longest := filepath.Join(o.Dir, "nodes", "node-000", "run", "tailscale", "tailscaled.sock"); len(longest) > 107 {
		return nil, fmt.Errorf("lab directory %s is too long for unix sockets under it (%d > 107 bytes): choose a shorter --dir", o.Dir, len(longest))
	}
	// Held for the lab's life: a concurrent Up on the same directory fails
	// here, before it writes anything.
	release, err := ClaimDir(o.Dir, "lab.lock")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(o.Dir, stateFile)); err == nil {
		release()
		return nil, fmt.Errorf("%s already holds a lab: run `tailos lab down --dir %s` first", o.Dir, o.Dir)
	}
	s, err := loadSpec(&o)
	if err != nil {
		release()
		return nil, err
	}
	if o.UnderlayMTU == 0 {
		o.UnderlayMTU = s.Cluster.UnderlayMTU
	}
	if o.UnderlayMTU == 0 {
		o.UnderlayMTU = 1500
	}
	id := make([]byte, 3)
	if _, err := rand.Read(id); err != nil {
		release()
		return nil, err
	}
	l = &Lab{ID: hex.EncodeToString(id), Dir: o.Dir, Spec: s, opts: o, release: release}
	if err := privateDir(o.Dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = l.Down(context.Background())
		}
	}()
	if err := l.saveState(); err != nil {
		return l, err
	}
	if err := l.startReaper(); err != nil {
		return l, err
	}

	s.Tailnet.LoginServer = "https://" + headscaleAddr.String()
	if l.Plan, err = plan.Build(s, plan.Options{}); err != nil {
		return l, fmt.Errorf("planning %s: %w", s.File(), err)
	}
	if err := l.prepareBinaries(ctx); err != nil {
		return l, err
	}
	if err := l.makeNetwork(ctx); err != nil {
		return l, err
	}
	if err := l.startHeadscale(ctx); err != nil {
		return l, err
	}
	if o.Runtime == RuntimeTalos {
		err = l.startTalosNodes(ctx)
	} else {
		err = l.startNodes()
	}
	if err != nil {
		return l, err
	}
	if o.SkipTailnetWait || o.NoTailscaleConfig {
		return l, l.saveState()
	}
	o.progress("waiting for %d nodes to join", len(l.Nodes))
	for _, n := range l.Nodes {
		if err := l.WaitRunning(ctx, n.Name, o.ReadyTimeout); err != nil {
			return l, err
		}
	}
	return l, l.saveState()
}

// prepareBinaries finds or builds the extension and Headscale.
func (l *Lab) prepareBinaries(ctx context.Context) error {
	o := &l.opts
	if o.Extension != "" {
		l.extDir = o.Extension
		if _, err := os.Stat(filepath.Join(o.Extension, extension.ManifestPath)); err != nil {
			// Not unpacked: an OCI layout, image tarball or reference, as
			// `tailos extension build` writes or pushes it.
			l.extDir = filepath.Join(l.Dir, "extension")
			if err := extension.Unpack(ctx, o.Extension, extension.HostArch(), l.extDir); err != nil {
				return fmt.Errorf("extension %s: %w", o.Extension, err)
			}
		}
	} else {
		d, err := cachedExtension(ctx, o.CacheDir, o.Tailscale, o.progress)
		if err != nil {
			return err
		}
		l.extDir = d
	}
	spec, err := extension.LoadSpec(l.extDir)
	if err != nil {
		return err
	}
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("%s: service spec: %w", l.extDir, err)
	}
	l.svcSpec = spec
	if o.Runtime == RuntimeTalos {
		cache, err := cacheRoot(o.CacheDir)
		if err != nil {
			return err
		}
		a, err := talosnode.Build(ctx, talosnode.BuildOptions{CacheDir: cache, Progress: o.progress})
		if err != nil {
			return err
		}
		l.rootfs = a.Rootfs
	}
	bin, err := BuildHeadscale(ctx, o.CacheDir, HeadscaleVersion, o.progress)
	if err != nil {
		return err
	}
	l.Headscale = &Headscale{Bin: bin, Dir: filepath.Join(l.Dir, "headscale"), Addr: headscaleAddr.String()}
	return nil
}

// cachedExtension builds the Tailscale extension image for the host
// architecture and unpacks it once per version into the cache.
func cachedExtension(ctx context.Context, cacheDir, version string, progress func(string, ...any)) (string, error) {
	if version == "" {
		version = TailscaleVersion
	}
	if cacheDir == "" {
		d, err := extension.DefaultCacheDir()
		if err != nil {
			return "", err
		}
		cacheDir = d
	}
	arch := extension.HostArch()
	// Keyed on the image's content too: an image unpacked by a tailos with
	// another service spec or clamp must not be reused.
	key, err := extension.ContentKey(version)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheDir, "lab-extension", version, arch, key)
	if _, err := os.Stat(filepath.Join(dir, extension.ManifestPath)); err == nil {
		return dir, nil
	}
	progress("building the tailscale %s extension", version)
	a, err := extension.Build(ctx, extension.BuildOptions{
		Version:  version,
		Arches:   []string{arch},
		Binaries: extension.BinariesOptions{CacheDir: cacheDir, Progress: progress},
	})
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".unpack-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := extension.UnpackImage(a.Images[arch], filepath.Join(tmp, "x")); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "x"), dir); err != nil && !os.IsExist(err) {
		if _, serr := os.Stat(filepath.Join(dir, extension.ManifestPath)); serr != nil {
			return "", err
		}
	}
	return dir, nil
}

func (l *Lab) nsName(suffix string) string { return "tl" + l.ID + "-" + suffix }

func (l *Lab) addNS(ctx context.Context, name string) error {
	l.mu.Lock()
	l.namespaces = append(l.namespaces, name)
	l.mu.Unlock()
	// Recorded before it exists, so that down finds it after a crash.
	if err := l.saveState(); err != nil {
		return err
	}
	return addNetns(ctx, name)
}

// makeNetwork builds the bridge, Headscale's and the nodes' namespaces.
func (l *Lab) makeNetwork(ctx context.Context) error {
	mtu := l.opts.UnderlayMTU
	br := l.nsName("br")
	if err := l.addNS(ctx, br); err != nil {
		return err
	}
	if err := addBridge(ctx, br, mtu); err != nil {
		return err
	}
	l.Headscale.Netns = l.nsName("hs")
	if err := l.addNS(ctx, l.Headscale.Netns); err != nil {
		return err
	}
	if err := plug(ctx, br, "hs", l.Headscale.Netns, netip.PrefixFrom(headscaleAddr, underlayNet.Bits()), mtu); err != nil {
		return err
	}
	for i, pn := range l.Plan.Nodes {
		n := &Node{
			Name:  pn.Spec.Name,
			Netns: l.nsName(fmt.Sprintf("n%d", i+1)),
			Addr:  nodeAddr(i),
			Dir:   filepath.Join(l.Dir, "nodes", pn.Spec.Name),
			Plan:  pn,
		}
		if err := l.addNS(ctx, n.Netns); err != nil {
			return err
		}
		if err := plug(ctx, br, fmt.Sprintf("n%d", i+1), n.Netns, netip.PrefixFrom(n.Addr, underlayNet.Bits()), mtu); err != nil {
			return err
		}
		if l.opts.Runtime == RuntimeTalos {
			// Talos's network "connectivity" check wants a default gateway
			// (extension services wait for it). It points at the lab
			// bridge's Headscale namespace, which forwards nothing.
			if err := ip(ctx, "-n", n.Netns, "route", "add", "default", "via", headscaleAddr.String()); err != nil {
				return err
			}
		}
		// Talos nodes forward (Kubernetes needs it), which subnet routing needs too.
		for _, k := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
			if err := sysctl(n.Netns, k, "1"); err != nil {
				return err
			}
		}
		if !l.opts.KeepFragments {
			for _, k := range []string{"net.ipv4.ipfrag_low_thresh", "net.ipv4.ipfrag_high_thresh"} {
				if err := sysctl(n.Netns, k, "0"); err != nil {
					return err
				}
			}
		}
		for j, r := range pn.Routes {
			if !r.Addr().Is4() {
				continue
			}
			bns := l.nsName(fmt.Sprintf("n%dr%d", i+1, j))
			l.mu.Lock()
			l.namespaces = append(l.namespaces, bns)
			l.mu.Unlock()
			if err := l.saveState(); err != nil {
				return err
			}
			host, err := addBehind(ctx, n.Netns, bns, fmt.Sprintf("rt%d", j), r)
			if err != nil {
				return err
			}
			n.Behind = append(n.Behind, host)
		}
		l.Nodes = append(l.Nodes, n)
	}
	return nil
}

// startHeadscale starts the control server with the generated policy and
// creates the users that own the tags and the pre-auth key the nodes use.
func (l *Lab) startHeadscale(ctx context.Context) error {
	l.opts.progress("starting headscale %s", HeadscaleVersion)
	if err := l.Headscale.Start(ctx, l.Plan.Policy); err != nil {
		return err
	}
	var users []string
	for _, a := range l.Spec.Tailnet.Admins {
		if strings.HasSuffix(a, "@") && !strings.Contains(strings.TrimSuffix(a, "@"), "@") {
			users = append(users, strings.TrimSuffix(a, "@"))
		}
	}
	if len(users) == 0 {
		users = []string{"lab"}
	}
	for i, u := range users {
		hu, err := l.Headscale.CreateUser(ctx, u)
		if err != nil {
			return err
		}
		if i == 0 {
			l.KeyUser = hu
		}
	}
	key, err := l.Headscale.CreateAuthKey(ctx, l.KeyUser, 24*time.Hour)
	if err != nil {
		return err
	}
	l.AuthKey = key
	return nil
}

// NodeEnv is the environment a node's container gets, in Talos's order:
// the service spec's own, then the lab-only variables, then the node's
// generated ExtensionServiceConfig environment with the lab's login server
// and auth key, then a test's ExtraEnv. Duplicates stay in the list, as Talos passes them; the
// container sees the last occurrence (RuntimeEnv).
func (l *Lab) NodeEnv(n *Node, authKey string) []string {
	env := append([]string{}, l.svcSpec.Container.Environment...)
	env = append(env, LabEnv...)
	env = append(env, rewriteEnv(n.Plan.Environment, authKey, l.Headscale.URL)...)
	// Last, so they win: the container sees the last occurrence.
	return append(env, l.opts.ExtraEnv...)
}

func (l *Lab) self() ([]string, error) {
	if len(l.opts.Self) > 0 {
		return l.opts.Self, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return []string{exe}, nil
}

// startNodes writes each node's files and starts its service.
func (l *Lab) startNodes() error {
	self, err := l.self()
	if err != nil {
		return err
	}
	for _, n := range l.Nodes {
		for _, d := range []string{"var", "run", "etc", "root"} {
			if err := os.MkdirAll(filepath.Join(n.Dir, d), 0o755); err != nil {
				return err
			}
		}
		files := map[string]string{
			"hosts":       "127.0.0.1 localhost\n" + n.Addr.String() + " " + n.Name + "\n",
			"resolv.conf": "# " + n.Name + " resolver (tailos lab)\nnameserver " + headscaleAddr.String() + "\n",
		}
		for f, c := range files {
			if err := os.WriteFile(filepath.Join(n.Dir, "etc", f), []byte(c), 0o644); err != nil {
				return err
			}
		}
		n.Env = l.NodeEnv(n, l.AuthKey)
		cfg, err := containerConfig(l.svcSpec, l.extDir, n.Dir, n.Env)
		if err != nil {
			return err
		}
		n.Service = &Service{
			Name:    "ext-" + l.svcSpec.Name,
			spec:    l.svcSpec,
			cfg:     cfg,
			cfgPath: filepath.Join(n.Dir, "container.json"),
			netns:   n.Netns,
			logPath: n.LogPath(),
			self:    self,
		}
		if err := l.boot(n); err != nil {
			return err
		}
	}
	return nil
}

// boot starts a node's service as a node boot does: /run is fresh, /var kept.
func (l *Lab) boot(n *Node) error {
	run := filepath.Join(n.Dir, "run")
	if err := os.RemoveAll(run); err != nil {
		return err
	}
	if err := os.MkdirAll(run, 0o755); err != nil {
		return err
	}
	// Recreate the mount sources the spec names under /run.
	cfg, err := containerConfig(l.svcSpec, l.extDir, n.Dir, n.Env)
	if err != nil {
		return err
	}
	cfg.Mounts = append(cfg.Mounts, Mount{Source: l.Headscale.CA, Destination: LabCAPath, ReadOnly: true})
	n.Service.cfg = cfg
	return n.Service.Start()
}

// Node returns the named node.
func (l *Lab) Node(name string) (*Node, error) {
	for _, n := range l.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	names := make([]string, len(l.Nodes))
	for i, n := range l.Nodes {
		names[i] = n.Name
	}
	return nil, fmt.Errorf("no node %q in the lab (nodes: %s)", name, strings.Join(names, ", "))
}

// Restart reboots a node: the service is stopped and started again, /var
// (and with it /var/lib/tailscale) kept.
func (l *Lab) Restart(ctx context.Context, name string) error {
	n, err := l.Node(name)
	if err != nil {
		return err
	}
	if n.Talos != nil {
		return l.rebootTalos(ctx, n, false)
	}
	n.Service.Stop()
	return l.boot(n)
}

// Wipe is `talosctl reset` for a node: the service stops, the node's /var
// (its Tailscale state) is emptied, and it starts again as a new machine.
func (l *Lab) Wipe(ctx context.Context, name string) error {
	n, err := l.Node(name)
	if err != nil {
		return err
	}
	if n.Talos != nil {
		return l.rebootTalos(ctx, n, true)
	}
	n.Service.Stop()
	if err := os.RemoveAll(filepath.Join(n.Dir, "var")); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(n.Dir, "var"), 0o755); err != nil {
		return err
	}
	return l.boot(n)
}

// Down stops every node and Headscale, kills anything left in the lab's
// namespaces, deletes the namespaces and removes the lab directory.
func (l *Lab) Down(ctx context.Context) error {
	l.stopReaper()
	var wg sync.WaitGroup
	for _, n := range l.Nodes {
		if n.Service != nil {
			wg.Add(1)
			go func(s *Service) { defer wg.Done(); s.Stop() }(n.Service)
		}
	}
	wg.Wait()
	stopErr := l.stopTalos()
	if l.Headscale != nil {
		l.Headscale.Stop()
	}
	l.mu.Lock()
	nss := append([]string{}, l.namespaces...)
	l.mu.Unlock()
	err := errors.Join(stopErr, teardown(ctx, nss))
	if err == nil {
		err = os.RemoveAll(l.Dir)
	}
	if l.release != nil {
		l.release()
		l.release = nil
	}
	return err
}

// cacheRoot is the tailos cache unless dir is set.
func cacheRoot(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return extension.DefaultCacheDir()
}

// Prepared are the lab's binaries.
type Prepared struct {
	Extension string // unpacked extension directory
	Headscale string // headscale binary
	Rootfs    string // Talos node root (talosnode.Build)
}

// Prepare builds (or finds in the cache) the Tailscale extension,
// Headscale and the Talos node root, so that later Up calls start without
// building.
func Prepare(ctx context.Context, cacheDir string, progress func(string, ...any)) (Prepared, error) {
	if progress == nil {
		progress = func(string, ...any) {}
	}
	ext, err := cachedExtension(ctx, cacheDir, "", progress)
	if err != nil {
		return Prepared{}, err
	}
	hs, err := BuildHeadscale(ctx, cacheDir, HeadscaleVersion, progress)
	if err != nil {
		return Prepared{}, err
	}
	cache, err := cacheRoot(cacheDir)
	if err != nil {
		return Prepared{}, err
	}
	a, err := talosnode.Build(ctx, talosnode.BuildOptions{CacheDir: cache, Progress: progress})
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{Extension: ext, Headscale: hs, Rootfs: a.Rootfs}, nil
}
