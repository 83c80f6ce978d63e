//go:build linux

package talosnode

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// StopGrace is how long machined has to shut down after SIGTERM before
// its PID namespace is killed.
const StopGrace = 20 * time.Second

// Extension is an unpacked system extension (manifest.yaml + rootfs/).
type Extension struct {
	Dir string
}

// Config describes one node.
type Config struct {
	Name string
	// Dir holds the node's disks as directories: var (EPHEMERAL), state
	// (STATE), opt; and its per-boot /run, /etc and /usr/local.
	Dir string
	// Rootfs is the read-only node root (Build).
	Rootfs string
	// Netns is the path of the node's network namespace.
	Netns string
	// Cgroup is the cgroup2 directory the node runs in (created; it must
	// not exist yet); the node's cgroup namespace is rooted there.
	Cgroup string
	// MachineConfig is the config the node boots (USERDATA).
	MachineConfig []byte
	// Extensions are installed the way a system extension lands on a
	// node: service specs under /usr/local/etc/containers, rootfs under
	// /usr/local/lib/containers/<name>.
	Extensions []Extension
	// Files are extra files written into the node's /etc (path relative
	// to /etc → content), e.g. a CA.
	Files map[string][]byte
	// Self is the argv that re-executes this program as a node init (it
	// must call RunInit when IsInit).
	Self []string
}

// Node is a running (or stopped) Talos node.
type Node struct {
	cfg Config

	mu   sync.Mutex
	cmd  *exec.Cmd
	proc Proc
	done chan struct{}
}

// New returns a node for cfg; Boot starts it.
func New(cfg Config) *Node { return &Node{cfg: cfg} }

// ConsolePath is machined's console output (what a node's serial console
// would show).
func (n *Node) ConsolePath() string { return filepath.Join(n.cfg.Dir, "console.log") }

// Proc is the node's PID 1 as recorded at boot (zero when stopped).
func (n *Node) Proc() Proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// Done is closed when the node's PID 1 has exited.
func (n *Node) Done() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return n.done
}

// SetMachineConfig changes the config the next boot gets (USERDATA).
func (n *Node) SetMachineConfig(cfg []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cfg.MachineConfig = cfg
}

// Boot starts the node: /run, /etc and /usr/local are fresh, /var,
// /system/state and /opt are kept, as on a reboot.
func (n *Node) Boot() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return fmt.Errorf("node %s is running", n.cfg.Name)
	}
	c := &n.cfg
	ic, err := n.prepare()
	if err != nil {
		return fmt.Errorf("node %s: %w", c.Name, err)
	}
	data, err := json.Marshal(ic)
	if err != nil {
		return err
	}
	initPath := filepath.Join(c.Dir, "init.json")
	if err := os.WriteFile(initPath, data, 0o600); err != nil {
		return err
	}
	if err := makeCgroup(c.Cgroup); err != nil {
		return fmt.Errorf("node %s: %w", c.Name, err)
	}
	cg, err := os.Open(c.Cgroup)
	if err != nil {
		return err
	}
	defer cg.Close()
	console, err := os.OpenFile(n.ConsolePath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer console.Close()
	args := append([]string{"--net=" + c.Netns, "--"}, c.Self...)
	cmd := exec.Command("nsenter", args...)
	cmd.Env = []string{InitEnv + "=" + initPath}
	cmd.Stdout, cmd.Stderr = console, console
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// The cgroup namespace is made by the init once it is in its cgroup.
		Cloneflags:  syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC,
		UseCgroupFD: true,
		CgroupFD:    int(cg.Fd()),
		Setpgid:     true,
		// If the supervisor dies, PID 1 dies, and with it the namespace.
		Pdeathsig: syscall.SIGKILL,
	}
	// The parent-death signal fires when the OS thread that forked the
	// child exits, not the process: fork from a locked thread that lives
	// (waiting for the child) as long as the node does.
	done := make(chan struct{})
	started := make(chan error, 1)
	consolePath := n.ConsolePath()
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(done)
			return
		}
		started <- nil
		err := cmd.Wait()
		// Say how PID 1 ended, for the console's reader.
		if f, ferr := os.OpenFile(consolePath, os.O_WRONLY|os.O_APPEND, 0o600); ferr == nil {
			fmt.Fprintf(f, "[tailos lab] %s: PID 1 exited: %v\n", time.Now().UTC().Format(time.RFC3339), err)
			f.Close()
		}
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("starting node %s: %w", c.Name, err)
	}
	p, err := ProcOf(cmd.Process.Pid)
	if err != nil {
		_ = cmd.Process.Kill()
		<-done
		return err
	}
	n.cmd, n.proc, n.done = cmd, p, done
	return nil
}

// prepare lays out the node's directories for a boot.
func (n *Node) prepare() (*initConfig, error) {
	c := &n.cfg
	d := func(p string) string { return filepath.Join(c.Dir, p) }
	for _, p := range []string{"run", "etc", "usrlocal"} {
		if err := os.RemoveAll(d(p)); err != nil {
			return nil, err
		}
	}
	for _, p := range []string{"var", "state", "opt", "run", "root", "usrlocal/etc/containers"} {
		if err := os.MkdirAll(d(p), 0o755); err != nil {
			return nil, err
		}
	}
	// /var/run is /run, as on Talos.
	if _, err := os.Lstat(d("var/run")); errors.Is(err, os.ErrNotExist) {
		if err := os.Symlink("/run", d("var/run")); err != nil {
			return nil, err
		}
	}
	if err := copyTree(filepath.Join(c.Rootfs, "etc"), d("etc")); err != nil {
		return nil, err
	}
	files := map[string][]byte{
		"hostname":    []byte(c.Name + "\n"),
		"hosts":       []byte("127.0.0.1 localhost\n::1 localhost\n"),
		"resolv.conf": []byte("# " + c.Name + ": no resolver\n"),
	}
	for k, v := range c.Files {
		files[k] = v
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(d("etc"), name), content, 0o644); err != nil {
			return nil, err
		}
	}
	ic := &initConfig{
		Hostname: c.Name,
		Rootfs:   c.Rootfs,
		Root:     d("root"),
		Binds: []bindMount{
			{Source: d("run"), Target: "run"},
			{Source: d("var"), Target: "var"},
			{Source: d("state"), Target: "system/state"},
			{Source: d("opt"), Target: "opt"},
			{Source: d("etc"), Target: "etc"},
			{Source: d("usrlocal"), Target: "usr/local"},
		},
		Env: []string{
			"PATH=/usr/bin:/usr/sbin:/bin:/sbin",
			"PLATFORM=container",
			"USERDATA=" + base64.StdEncoding.EncodeToString(c.MachineConfig),
			ConfigFilesEnv + "=1",
		},
	}
	for _, e := range c.Extensions {
		specs, err := filepath.Glob(filepath.Join(e.Dir, "rootfs/usr/local/etc/containers/*.yaml"))
		if err != nil || len(specs) == 0 {
			return nil, fmt.Errorf("extension %s: no service spec under rootfs/usr/local/etc/containers", e.Dir)
		}
		for _, s := range specs {
			if err := copyFile(s, filepath.Join(d("usrlocal/etc/containers"), filepath.Base(s)), 0o644); err != nil {
				return nil, err
			}
			name := strings.TrimSuffix(filepath.Base(s), ".yaml")
			src := filepath.Join(e.Dir, "rootfs/usr/local/lib/containers", name)
			if _, err := os.Stat(src); err != nil {
				return nil, fmt.Errorf("extension %s: %w", e.Dir, err)
			}
			ic.Binds = append(ic.Binds, bindMount{Source: src, Target: filepath.Join("usr/local/lib/containers", name), ReadOnly: true})
		}
	}
	return ic, nil
}

// Stop shuts the node down: SIGTERM to machined, the whole PID namespace
// killed after grace, then its cgroups removed.
func (n *Node) Stop(grace time.Duration) error {
	n.mu.Lock()
	cmd, p, done := n.cmd, n.proc, n.done
	n.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if p.Alive() {
		_ = syscall.Kill(p.PID, syscall.SIGTERM)
	}
	select {
	case <-done:
	case <-time.After(grace):
		if p.Alive() {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
		<-done
	}
	n.mu.Lock()
	n.cmd, n.proc = nil, Proc{}
	n.mu.Unlock()
	return RemoveCgroup(n.cfg.Cgroup, 10*time.Second)
}

// Wipe empties the node's EPHEMERAL (/var) and STATE, as a reset does;
// the node must be stopped.
func (n *Node) Wipe() error {
	n.mu.Lock()
	running := n.cmd != nil
	n.mu.Unlock()
	if running {
		return fmt.Errorf("node %s is running", n.cfg.Name)
	}
	for _, p := range []string{"var", "state"} {
		if err := os.RemoveAll(filepath.Join(n.cfg.Dir, p)); err != nil {
			return err
		}
	}
	return nil
}

// Proc identifies a process across PID reuse: its PID and its start time
// (clock ticks since boot, /proc/PID/stat field 22).
type Proc struct {
	PID       int    `json:"pid"`
	StartTime uint64 `json:"startTime"`
}

// ProcOf reads the identity of a running process.
func ProcOf(pid int) (Proc, error) {
	st, err := startTime(pid)
	if err != nil {
		return Proc{}, err
	}
	return Proc{PID: pid, StartTime: st}, nil
}

// Alive reports whether p still names the process it was recorded for.
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	st, err := startTime(p.PID)
	return err == nil && st == p.StartTime
}

// Kill signals p if, and only if, it is still the recorded process.
func (p Proc) Kill(sig syscall.Signal) error {
	if !p.Alive() {
		return fmt.Errorf("process %d is gone or no longer ours", p.PID)
	}
	return syscall.Kill(p.PID, sig)
}

func startTime(pid int) (uint64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// makeCgroup creates a node's cgroup (and its parents) and delegates to
// it the controllers the host already delegates to the parents; the host's
// root cgroup is never changed.
func makeCgroup(path string) error {
	root, err := CgroupRoot()
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup %s is not under %s", path, root)
	}
	parts := strings.Split(rel, string(filepath.Separator))
	cur := root
	for i, p := range parts {
		cur = filepath.Join(cur, p)
		if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("cgroup: %w", err)
		}
		if i == len(parts)-1 {
			break
		}
		ctrls, err := os.ReadFile(filepath.Join(cur, "cgroup.controllers"))
		if err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
		var enable []string
		for _, c := range strings.Fields(string(ctrls)) {
			enable = append(enable, "+"+c)
		}
		if len(enable) > 0 {
			if err := os.WriteFile(filepath.Join(cur, "cgroup.subtree_control"), []byte(strings.Join(enable, " ")), 0o644); err != nil {
				return fmt.Errorf("cgroup %s: enabling controllers: %w", cur, err)
			}
		}
	}
	return nil
}

// CgroupRoot is where the cgroup2 hierarchy is mounted: /sys/fs/cgroup on
// a unified host, /sys/fs/cgroup/unified on a hybrid one.
func CgroupRoot() (string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) >= 5 && len(g) >= 1 && g[0] == "cgroup2" && f[3] == "/" {
			return f[4], nil
		}
	}
	return "", fmt.Errorf("no cgroup2 hierarchy mounted (the lab needs cgroup v2, unified or hybrid)")
}

// RemoveCgroup kills what is left in a cgroup tree and removes it,
// deepest first. A missing cgroup is not an error.
func RemoveCgroup(path string, timeout time.Duration) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	deadline := time.Now().Add(timeout)
	for {
		// cgroup.kill (Linux 5.14) kills the whole tree at once.
		_ = os.WriteFile(filepath.Join(path, "cgroup.kill"), []byte("1"), 0o644)
		var dirs []string
		_ = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		var last error
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := unix.Rmdir(dirs[i]); err != nil && !errors.Is(err, unix.ENOENT) {
				last = err
			}
		}
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("removing cgroup %s: %w", path, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// consoleTailOf is the last lines of a node's console.
func consoleTailOf(n *Node, lines int) string {
	data, _ := os.ReadFile(n.ConsolePath())
	l := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
