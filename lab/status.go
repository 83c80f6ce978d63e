//go:build linux

package lab

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/ipn/ipnstate"

	"github.com/tailos/tailos/secret"
)

// Status is the lab as `tailos lab status -o json` prints it.
type Status struct {
	ID        string `json:"id"`
	Dir       string `json:"dir"`
	Headscale string `json:"headscale"`
	// Runtime is what runs the nodes; Talosconfig the lab's talosconfig
	// (Talos runtime); Mode the spec's cluster mode.
	Runtime     Runtime      `json:"runtime"`
	Talosconfig string       `json:"talosconfig,omitempty"`
	Mode        string       `json:"mode"`
	Nodes       []NodeStatus `json:"nodes"`
	// Devices are all the devices Headscale knows, including stale ones.
	Devices []Device `json:"devices"`
	// Duplicates are hostnames registered more than once: a node that lost
	// its state (reset, state not persisted) and logged in again.
	Duplicates []Duplicate `json:"duplicates"`
}

// NodeStatus is one lab node.
type NodeStatus struct {
	Name         string       `json:"name"`
	Netns        string       `json:"netns"`
	Underlay     string       `json:"underlay"`
	TailnetIP    string       `json:"tailnetIP"`
	TailnetIPs   []string     `json:"tailnetIPs,omitempty"`
	Online       bool         `json:"online"`
	BackendState string       `json:"backendState"`
	NodeKey      string       `json:"nodeKey,omitempty"`
	HeadscaleID  uint64       `json:"headscaleID,omitempty"`
	DNSName      string       `json:"dnsName,omitempty"`
	Service      ServiceState `json:"service"`
	// TalosEndpoint is the node's Talos API address (Talos runtime).
	TalosEndpoint string `json:"talosEndpoint,omitempty"`
	// AdvertisedRoutes are what the node asks for, ApprovedRoutes what
	// Headscale approved (by the policy's autoApprovers).
	AdvertisedRoutes []string `json:"advertisedRoutes,omitempty"`
	ApprovedRoutes   []string `json:"approvedRoutes,omitempty"`
	Behind           []string `json:"behind,omitempty"`
	TUNMTU           int      `json:"tunMTU,omitempty"`
	Health           []string `json:"health,omitempty"`
	Error            string   `json:"error,omitempty"`
}

// Device is a Headscale device.
type Device struct {
	ID        uint64   `json:"id"`
	Hostname  string   `json:"hostname"`
	GivenName string   `json:"givenName"`
	NodeKey   string   `json:"nodeKey"`
	IPs       []string `json:"ips"`
	Online    bool     `json:"online"`
	Tags      []string `json:"tags,omitempty"`
}

// Duplicate is a hostname with more than one device.
type Duplicate struct {
	Hostname string   `json:"hostname"`
	Devices  []uint64 `json:"devices"`
}

// NodeClient is the LocalAPI client of a node's tailscaled.
func NodeClient(n *Node) *local.Client {
	return &local.Client{Socket: n.Socket(), UseSocketOnly: true}
}

// TailscaleStatus asks a node's tailscaled for its status.
func (l *Lab) TailscaleStatus(ctx context.Context, name string) (*ipnstate.Status, error) {
	n, err := l.Node(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return NodeClient(n).StatusWithoutPeers(ctx)
}

// WaitRunning waits until a node's tailscaled is Running with a tailnet IP.
// On timeout the error carries the tail of the service log.
func (l *Lab) WaitRunning(ctx context.Context, name string, timeout time.Duration) error {
	n, err := l.Node(name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "no status yet"
	for {
		st, err := l.TailscaleStatus(ctx, name)
		switch {
		case err != nil:
			last = err.Error()
		case st.BackendState == "Running" && len(st.TailscaleIPs) > 0:
			return nil
		default:
			last = "backend state " + st.BackendState
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s not running after %s (%s); service log:\n%s", name, timeout, last, LogTail(n.LogPath(), 15))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// LogTail returns the last lines of a log file, auth keys masked.
func LogTail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	ls := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return MaskLog(strings.Join(ls, "\n"))
}

// MaskLog hides credentials in log text (secret.MaskLog: Headscale v0.27's
// keys are bare hex that no prefix announces).
func MaskLog(s string) string { return secret.MaskLog(s) }

// Status collects every node's view and Headscale's.
func (l *Lab) Status(ctx context.Context) (*Status, error) {
	out := &Status{ID: l.ID, Dir: l.Dir, Headscale: l.Headscale.URL, Runtime: l.opts.Runtime, Mode: string(l.Spec.Cluster.Mode), Devices: []Device{}, Duplicates: []Duplicate{}}
	if l.talosconfig != nil {
		out.Talosconfig = l.TalosconfigPath()
	}
	hsNodes, err := l.Headscale.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]HSNode{}
	byHost := map[string][]uint64{}
	for _, h := range hsNodes {
		byKey[h.NodeKey] = h
		byHost[h.Name] = append(byHost[h.Name], h.ID)
		out.Devices = append(out.Devices, Device{ID: h.ID, Hostname: h.Name, GivenName: h.GivenName, NodeKey: h.NodeKey, IPs: h.IPAddresses, Online: h.Online, Tags: h.ValidTags})
	}
	for host, ids := range byHost {
		if len(ids) > 1 {
			out.Duplicates = append(out.Duplicates, Duplicate{Hostname: host, Devices: ids})
		}
	}
	sort.Slice(out.Duplicates, func(i, j int) bool { return out.Duplicates[i].Hostname < out.Duplicates[j].Hostname })
	for _, n := range l.Nodes {
		ns := NodeStatus{Name: n.Name, Netns: n.Netns, Underlay: n.Addr.String()}
		if n.Talos != nil {
			ns.Service = l.talosServiceState(ctx, n)
			ns.TalosEndpoint = n.Addr.String()
		} else {
			ns.Service = n.Service.State()
		}
		for _, b := range n.Behind {
			ns.Behind = append(ns.Behind, b.String())
		}
		ns.TUNMTU, _ = LinkMTU(n.Netns, "tailscale0")
		st, err := l.TailscaleStatus(ctx, n.Name)
		if err != nil {
			ns.Error = err.Error()
			ns.BackendState = "Unreachable"
			out.Nodes = append(out.Nodes, ns)
			continue
		}
		ns.BackendState = st.BackendState
		ns.Health = st.Health
		for _, ipa := range st.TailscaleIPs {
			ns.TailnetIPs = append(ns.TailnetIPs, ipa.String())
			if ipa.Is4() && ns.TailnetIP == "" {
				ns.TailnetIP = ipa.String()
			}
		}
		if st.Self != nil {
			ns.NodeKey = st.Self.PublicKey.String()
			ns.DNSName = st.Self.DNSName
			ns.Online = st.Self.Online
		}
		if h, ok := byKey[ns.NodeKey]; ok {
			ns.HeadscaleID = h.ID
			ns.Online = h.Online
			ns.AdvertisedRoutes = h.AvailableRoutes
			ns.ApprovedRoutes = h.ApprovedRoutes
		}
		out.Nodes = append(out.Nodes, ns)
	}
	return out, nil
}

// LinkMTU reads an interface's MTU inside a namespace.
func LinkMTU(ns, ifname string) (int, error) {
	var mtu int
	err := InNetns(ns, func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		mtu = ifi.MTU
		return nil
	})
	return mtu, err
}

// UDPPorts lists the local UDP ports bound inside a namespace.
func UDPPorts(ns string) ([]int, error) {
	var ports []int
	err := InNetns(ns, func() error {
		for _, f := range []string{"/proc/thread-self/net/udp", "/proc/thread-self/net/udp6"} {
			fh, err := os.Open(f)
			if err != nil {
				return err
			}
			sc := bufio.NewScanner(fh)
			sc.Scan() // header
			for sc.Scan() {
				fields := strings.Fields(sc.Text())
				if len(fields) < 2 {
					continue
				}
				_, port, ok := strings.Cut(fields[1], ":")
				if !ok {
					continue
				}
				if p, err := strconv.ParseUint(port, 16, 16); err == nil {
					ports = append(ports, int(p))
				}
			}
			fh.Close()
		}
		return nil
	})
	return ports, err
}
