// Package rules is tailos's catalogue of Tailscale-on-Talos traps. Each rule
// is a small pure function over Config, the view of one node's machine
// configuration that the lint package builds from machinery's loader; this
// package knows nothing about files, YAML or output formats.
package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Severity of a finding. Only errors make `tailos check` exit 1.
type Severity int

// Severities, least severe first.
const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "info"
}

// MarshalText makes severities print by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Mode is how the tailnet is used by the cluster; several rules invert
// between the two.
type Mode string

// Deployment modes.
const (
	// ModeManagement: the tailnet is for reaching nodes; kubelet, etcd and
	// pod traffic stay on the LAN.
	ModeManagement Mode = "management"
	// ModeClusterNetwork: nodes talk Kubernetes over the tailnet.
	ModeClusterNetwork Mode = "cluster-network"
)

// ParseMode accepts the two mode names.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case ModeManagement, ModeClusterNetwork:
		return Mode(s), nil
	}
	return "", fmt.Errorf("unknown mode %q (want %s or %s)", s, ModeManagement, ModeClusterNetwork)
}

// Topic groups rules by the trap they belong to. The vocabulary is closed.
type Topic string

// Topics.
const (
	TopicExtensionMissing Topic = "extension-missing"
	TopicUpgradeImage     Topic = "upgrade-image"
	TopicStatePersistence Topic = "state-persistence"
	TopicAuthKey          Topic = "auth-key"
	TopicNodeIP           Topic = "node-ip"
	TopicEtcdAdvertise    Topic = "etcd-advertise"
	TopicDNS              Topic = "dns"
	TopicMTU              Topic = "mtu"
	TopicIPForwarding     Topic = "ip-forwarding"
	TopicRoutes           Topic = "routes"
	TopicKubeSpan         Topic = "kubespan"
	TopicCertSANs         Topic = "cert-sans"
	TopicFlags            Topic = "flags"
	TopicSecrets          Topic = "secrets"
	TopicPort             Topic = "port"
	TopicExposure         Topic = "exposure"
	TopicConfigShape      Topic = "config-shape"
	TopicTooling          Topic = "tooling"
)

// Topics lists the vocabulary in catalogue order.
func Topics() []Topic {
	return []Topic{TopicExtensionMissing, TopicUpgradeImage, TopicStatePersistence, TopicAuthKey,
		TopicNodeIP, TopicEtcdAdvertise, TopicDNS, TopicMTU, TopicIPForwarding, TopicRoutes,
		TopicKubeSpan, TopicCertSANs, TopicFlags, TopicSecrets, TopicPort, TopicExposure, TopicConfigShape, TopicTooling}
}

// Rule is one trap: its documentation and the check that finds it.
type Rule struct {
	ID       string // stable, e.g. TS001
	Title    string // one line
	Severity Severity
	Topic    Topic
	// Why explains what goes wrong, in prose.
	Why string
	// Sources cite research notes, upstream files and issues.
	Sources []string
	// Fix says what to change.
	Fix string
	// Check returns one result per occurrence in cfg.
	Check func(cfg *Config) []Result
	// CheckNodes, set on cross-node rules, looks at the nodes of one input
	// together (a talhelper cluster, or the files of one invocation).
	CheckNodes func(nodes []*NodeFacts) []NodeResult
}

// NodeResult is a cross-node result for one node, by index.
type NodeResult struct {
	Node int
	Result
}

// Result is one occurrence found by a rule's Check.
type Result struct {
	Message string
	// Severity overrides the rule's severity when set (rules that judge
	// risk from the node's addresses lower or raise it).
	Severity *Severity
	// At is where in the configuration the trap sits.
	At Loc
	// Edits, applied as a strategic-merge patch, make the result go away.
	// Empty when the fix needs a human decision.
	Edits []Edit
}

// Finding is a Result attributed to its rule, file and node.
type Finding struct {
	Rule     string   `json:"rule"`
	Topic    Topic    `json:"topic"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Node     string   `json:"node"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	At       Loc      `json:"-"`
	Edits    []Edit   `json:"-"`
	// Suppressed is set when an inline `# tailos:ignore` comment or the
	// linter configuration silences the finding; it is then reported as
	// suppressed and does not count towards the exit status.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Suppression says how a finding was silenced, in SARIF's terms.
type Suppression struct {
	// Kind is "inSource" (a comment in the file) or "external" (the
	// linter configuration).
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// Fixable reports whether the finding carries a patch that removes it.
func (f Finding) Fixable() bool { return len(f.Edits) > 0 }

func sev(s Severity) *Severity { return &s }

// Run applies every rule in the catalogue to cfg, in catalogue order.
func Run(cfg *Config) []Finding {
	return RunRules(All(), cfg)
}

// RunRules applies the given rules to cfg.
func RunRules(rs []*Rule, cfg *Config) []Finding {
	out := []Finding{}
	for _, r := range rs {
		if r.Check == nil {
			continue
		}
		for _, res := range r.Check(cfg) {
			s := r.Severity
			if res.Severity != nil {
				s = *res.Severity
			}
			out = append(out, Finding{
				Rule: r.ID, Topic: r.Topic, Severity: s,
				File: cfg.File, Node: cfg.Node,
				Message: res.Message, Fix: r.Fix,
				At: res.At, Edits: res.Edits,
			})
		}
	}
	return out
}

// NodeEnvKeys are the environment entries the cross-node rules read, and
// that their findings point at (AtEnv): a run over many files keeps these
// entries and their lines per node instead of the file. lint's TestCrossModel holds the rules to it; a finding
// pointing elsewhere still gets its line, by loading its file again.
func NodeEnvKeys() []string { return []string{"TS_EXTRA_ARGS", "TS_ROUTES"} }

// RunNodes applies the cross-node rules to the nodes of one input and
// returns each node's findings, in the order of nodes.
func RunNodes(nodes []*NodeFacts) [][]Finding {
	out := make([][]Finding, len(nodes))
	for _, r := range All() {
		if r.CheckNodes == nil {
			continue
		}
		for _, res := range r.CheckNodes(nodes) {
			if res.Node < 0 || res.Node >= len(nodes) {
				continue
			}
			c := nodes[res.Node]
			s := r.Severity
			if res.Severity != nil {
				s = *res.Severity
			}
			out[res.Node] = append(out[res.Node], Finding{
				Rule: r.ID, Topic: r.Topic, Severity: s,
				File: c.File, Node: c.Node,
				Message: res.Message, Fix: r.Fix,
				At: res.At, Edits: res.Edits,
			})
		}
	}
	return out
}

var catalogue []*Rule

// register adds a rule at init; IDs must be unique (checked by a test).
func register(r *Rule) *Rule { //nolint:unparam // the result lets each rule file register with `var _ = register(...)`
	catalogue = append(catalogue, r)
	return r
}

// All returns the catalogue sorted by ID.
func All() []*Rule {
	out := slices.Clone(catalogue)
	slices.SortFunc(out, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Lookup finds a rule by ID (case-insensitive).
func Lookup(id string) (*Rule, bool) {
	for _, r := range catalogue {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return nil, false
}
