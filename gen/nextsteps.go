package gen

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// Files `talosctl gen config` writes into the working directory.
const (
	genControlPlane = "controlplane.yaml"
	genWorker       = "worker.yaml"
	genTalosconfig  = "talosconfig"
)

type stepsNode struct {
	plan.Node
	Address string // shell-quoted
	Image   string // shell-quoted
	// NewPatch turns the generated role config into the node's config
	// (Out); LivePatch patches the running node. Both carry the
	// credential, or refuse to run without it.
	NewPatch, LivePatch string
	Out                 string // shell-quoted
	MagicDNSQ           string // shell-quoted MagicDNS name, "" if unknown
}

type stepsData struct {
	P         *plan.Plan
	Shape     ShapeSource
	ShapeDesc string
	Other     string // the other shape, and how to get it
	Nodes     []stepsNode
	Inline    bool
	ISO       string
	Headscale bool
	// Var is the environment variable the commands read the key from.
	Var, SetVar string
	// GenConfig is the full `talosctl gen config` command line.
	GenConfig string
	// Endpoints are the control planes' addresses (shell-quoted), for
	// talosconfig; First is the node to bootstrap.
	Endpoints string
	First     string
	Talhelper bool
	// Tailos runs a tailos command on the spec from the directory gen ran
	// in (the spec's file: references are relative to it); Nodes lists the
	// node addresses for doctor (shell-quoted, comma-joined).
	Tailos    func(args string) string
	NodeAddrs string
	// Imager builds the installer with the tailos-built extension
	// (tailnet.extension.source: tailos), else nil.
	Imager *imagerSteps
}

// imagerSteps are the values of the imager command (shell-quoted).
type imagerSteps struct {
	Version, Arch, Base, Image, Installer string
}

// GoSpecFile is the file NEXT-STEPS.md's tailos commands read a spec built
// in Go from (it has no file of its own): yaml.Marshal writes it.
const GoSpecFile = "tailos.yaml"

func nextSteps(p *plan.Plan, shape ShapeSource, inline bool, outDir string) ([]byte, error) {
	s := p.Spec
	d := stepsData{
		P: p, Shape: shape, Inline: inline,
		Headscale: s.Tailnet.LoginServer != "",
		Var:       p.Auth.Placeholder,
		Talhelper: !shape.AnyMultidoc(),
	}
	d.ShapeDesc, d.Other = shapeText(s, shape)
	// A spec built in Go has no file: the commands name the one it would
	// be saved as.
	specFile := s.File()
	if specFile == "" {
		specFile = GoSpecFile
	}
	d.Tailos = tailosLine(specFile, outDir)
	d.SetVar = setVarLine(p.Auth, outDir)
	gen, err := genConfigLine(s, shape)
	if err != nil {
		return nil, err
	}
	d.GenConfig = gen
	var cps []string
	for _, n := range p.Nodes {
		patches := []string{"@" + NodePatchPath(n.Spec.Name)}
		if inline {
			patches = append(patches, "@"+SecretPatchPath)
		}
		base := genWorker
		if n.Spec.Role != "worker" {
			base = genControlPlane
			cps = append(cps, shq(n.Spec.Address))
		}
		out := n.Spec.Name + ".yaml"
		sn := stepsNode{Node: n, Address: shq(n.Spec.Address), Image: shq(n.InstallImage), Out: shq(out)}
		if n.MagicDNS != "" {
			sn.MagicDNSQ = shq(n.MagicDNS)
		}
		sn.NewPatch = withCredential(p.Auth, inline, patches, func(flags string) string {
			return "talosctl machineconfig patch " + shq(base) + flags + " -o " + shq(out)
		})
		sn.LivePatch = withCredential(p.Auth, inline, patches, func(flags string) string {
			return "talosctl patch machineconfig --nodes " + shq(n.Spec.Address) + flags
		})
		d.Nodes = append(d.Nodes, sn)
	}
	d.Endpoints = strings.Join(cps, " ")
	addrs := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		addrs[i] = n.Spec.Address
	}
	d.NodeAddrs = shq(strings.Join(addrs, ","))
	if len(cps) > 0 {
		d.First = cps[0]
	}
	if len(p.Nodes) > 0 {
		assets, err := schematic.Assets(plan.Target(s, p.Nodes[0].Spec), p.SchematicID)
		if err != nil {
			return nil, err
		}
		for _, a := range assets {
			if a.Kind == "iso" && d.ISO == "" {
				d.ISO = a.URL
			}
		}
	}
	if s.TailosExtension() && len(p.Nodes) > 0 {
		base, err := schematic.InstallerImage(plan.Target(s, p.Nodes[0].Spec), p.SchematicID)
		if err != nil {
			return nil, err
		}
		e := s.Tailnet.Extension
		d.Imager = &imagerSteps{
			Version: shq(s.Cluster.TalosVersion), Arch: shq(s.Cluster.Arch), Base: shq(base),
			Image: shq(e.Image), Installer: shq(e.Installer),
		}
	}
	var buf bytes.Buffer
	if err := stepsTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("NEXT-STEPS.md: %w", err)
	}
	return buf.Bytes(), nil
}

// tailosLine is a tailos command on the spec, run from the directory gen
// ran in, so the spec path and its file: references mean what they meant.
func tailosLine(specFile, outDir string) func(args string) string {
	back := fromDir(outDir, ".")
	if filepath.IsAbs(outDir) {
		if wd, err := filepath.Abs("."); err == nil {
			back = wd
		}
	}
	return func(args string) string {
		cmd := "tailos " + args + " -f " + shq(specFile)
		if back == "." || back == "" {
			return cmd
		}
		return "(cd " + shq(back) + " && " + cmd + ")"
	}
}

// withCredential builds a talosctl command applying patches. Without
// --inline-secrets the node patch holds the ${VAR} placeholder: the command
// substitutes it from the environment and does not run when VAR is unset
// or empty, so the placeholder can never reach a node.
func withCredential(a plan.Auth, inline bool, patches []string, cmd func(flags string) string) string {
	if inline {
		var flags string
		for _, p := range patches {
			flags += " --patch " + shq(p)
		}
		return cmd(flags)
	}
	guard := fmt.Sprintf(`"${%s:?export %s first (step 1)}"`, a.Placeholder, a.Placeholder)
	return fmt.Sprintf("patch=$(: %s && envsubst %s < %s) &&\n        %s",
		guard, shq("$"+a.Placeholder), shq(strings.TrimPrefix(patches[0], "@")), cmd(` --patch "$patch"`))
}

// setVarLine puts the credential into the environment without leaving it
// in the shell history.
func setVarLine(a plan.Auth, outDir string) string {
	if a.Ref.Kind == spec.RefFile {
		return fmt.Sprintf("export %s=\"$(cat %s)\"", a.Placeholder, shq(fromDir(outDir, a.Ref.Value)))
	}
	return fmt.Sprintf("read -rs %s && export %s   # paste it, then Enter", a.Placeholder, a.Placeholder)
}

// genConfigLine is the `talosctl gen config` for a new cluster whose
// configs have the patches' shape. talosctl defaults to its own version's
// shape and Kubernetes, which an older target refuses, so both are pinned.
func genConfigLine(s *spec.Spec, shape ShapeSource) (string, error) {
	version := s.ShapeVersion()
	if shape.From == ShapeFromBase {
		version = s.Cluster.TalosVersion
		if !shape.Shape.Multidoc() {
			version = talosconf.LegacyShapeVersion(version)
		}
	}
	k8s := s.Cluster.KubernetesVersion
	if k8s == "" {
		var err error
		if k8s, err = talosconf.KubernetesVersionFor(s.Cluster.TalosVersion); err != nil {
			return "", err
		}
	}
	line := fmt.Sprintf("talosctl gen config %s %s --talos-version %s --kubernetes-version %s",
		shq(s.Cluster.Name), shq(s.Cluster.Endpoint), shq(version), shq(k8s))
	if s.Cluster.InstallDisk != spec.DefaultInstallDisk {
		line += " --install-disk " + shq(s.Cluster.InstallDisk)
	}
	return line, nil
}

// shapeText says which shape was written, why, and how to get the other.
func shapeText(s *spec.Spec, src ShapeSource) (desc, other string) {
	switch src.From {
	case ShapeFromBase:
		desc = fmt.Sprintf("read from the --base configs (%s)", strings.Join(src.Files, ", "))
	case ShapeFromCreatedWith:
		desc = fmt.Sprintf("`cluster.createdWith: %s`: the nodes' configs were generated by Talos %s tooling", src.Version, src.Version)
	default:
		desc = fmt.Sprintf("the default for a new cluster: configs generated for the target, Talos %s (`cluster.createdWith` unset)", s.Cluster.TalosVersion)
	}
	if len(src.Roles) > 0 {
		other = "Each role's patches follow that role's config: they were generated by different Talos tooling."
	} else if src.Shape.Multidoc() {
		other = "If your nodes' configs were generated by Talos 1.13 or older tooling (they have `machine.install`; " +
			"nearly every cluster upgraded to 1.14 does), Talos rejects these patches (\"UnattendedInstallConfig config is " +
			"incompatible with v1alpha1 config (.machine.install)\"): set `cluster.createdWith: v1.13` in the spec, or pass " +
			"your configs with `--base controlplane.yaml --base worker.yaml`, and run `tailos gen` again."
	} else if t, err := talosconf.ShapeOfVersion(s.Cluster.TalosVersion); err == nil && t.Multidoc() {
		other = "If your nodes' configs were generated by Talos 1.14 tooling (they have `UnattendedInstallConfig` and " +
			"`KubeNodeConfig` documents), these patches conflict with them (\".machine.kubelet.nodeIP is already set in " +
			"v1alpha1 config\"): remove `cluster.createdWith` (or set it to v1.14) or pass your configs with `--base`, " +
			"and run `tailos gen` again."
	} else {
		other = fmt.Sprintf("Talos %s has no other shape.", s.Cluster.TalosVersion)
	}
	return desc, other
}

var stepsTemplate = template.Must(template.New("steps").Funcs(template.FuncMap{"sh": shq}).Parse(`# Next steps: Tailscale on Talos for cluster {{.P.Spec.Cluster.Name}}

Generated by tailos{{with .P.Spec.File}} from ` + "`{{.}}`" + `{{else}} from a spec built in Go (the tailos commands below read it as ` + "`" + GoSpecFile + "`" + `){{end}}. Mode: **{{.P.Spec.Cluster.Mode}}**. Talos {{.P.Spec.Cluster.TalosVersion}}.
Run the commands from the directory that holds this file. Every node's patch was applied to a
{{if eq .Shape.From "base"}}copy of your --base config{{else}}machinery-generated config of the same shape{{end}} and validated (` + "`talosctl validate --mode metal`" + ` semantics) before it was written.

**Config shape: {{.Shape}}**, {{.ShapeDesc}}.
A machine config keeps the shape of the tooling that generated it through every upgrade, and a patch
must match it.{{if .Other}} {{.Other}}{{end}}

## 1. The credential
{{if .Inline}}
The key was resolved from ` + "`{{.P.Auth.Ref}}`" + ` and written to ` + "`" + SecretPatchPath + "`" + ` (mode 0600).
The commands below pass it as a second patch; never commit it.
{{else}}
The patches carry the placeholder ` + "`${{`{`}}{{.Var}}{{`}`}}`" + ` instead of the key.
{{- if .P.Auth.OAuth}} It is an OAuth client secret: the patches append
` + "`" + plan.OAuthAttributes + "`" + ` so the minted keys are not ephemeral and are pre-approved, and the nodes
advertise their tags (OAuth keys require them).{{else}} Use a **reusable, pre-approved, tagged** auth key
({{range $i, $t := .P.Spec.Tailnet.Tags}}{{if $i}}, {{end}}` + "`{{$t}}`" + `{{end}}): tagged devices do not expire.{{end}}
Put it into the environment of the shell you run the commands in:

` + "```sh" + `
{{.SetVar}}
` + "```" + `

Each command below substitutes it with ` + "`envsubst`" + ` (GNU gettext) and does not run when ` + "`{{.Var}}`" + ` is unset
or empty, so the placeholder never reaches a node and the key never lands in a file.
Or run ` + "`tailos gen --inline-secrets`" + `, which writes the key to a separate 0600 patch.
{{if .Talhelper}}
With talhelper, add ` + "`{{.Var}}`" + ` to talenv.sops.yaml and list each node's patch in talconfig.yaml
(` + "`patches: [\"@./nodes/NODE.yaml\"]`" + `): talhelper substitutes variables in patch files it reads, and
fails when one is unset. This works because these patches use v1alpha1 fields: talhelper (archived in
August 2026) pins machinery v1.14.0-alpha.2, which cannot decode the Talos 1.14 documents.
{{else}}
talhelper cannot read these patches: its last releases (archived in August 2026) pin machinery
v1.14.0-alpha.2, which cannot decode ` + "`KubeNodeConfig`" + ` or ` + "`UnattendedInstallConfig`" + `
(` + "`talhelper genconfig`" + ` fails with "not registered"). Use the talosctl commands below.
{{end}}{{end}}
## 2. The tailnet policy

Merge ` + "`tailnet/policy.hujson`" + ` into your tailnet policy{{if .Headscale}} (` + "`headscale policy set -f tailnet/policy.hujson`" + `){{else}} (admin console → Access controls){{end}}:
it lets {{range $i, $a := .P.Spec.Tailnet.Admins}}{{if $i}}, {{end}}` + "`{{$a}}`" + `{{end}} own the tags and reach ports 50000 (Talos API) and 6443
(Kubernetes API){{if .P.Spec.AllRoutes}}, and auto-approves exactly the advertised routes{{end}}.

{{with .Imager}}## The installer with the tailos-built extension

` + "`tailnet.extension.source: tailos`" + `: every node installs, and upgrades, from {{.Installer}}, which the
Image Factory cannot build (it serves official extensions only). Build it once with Talos's imager from
the factory installer of schematic ` + "`{{$.P.SchematicID}}`" + ` (your other extensions, no siderolabs/tailscale)
and the image ` + "`tailos extension build --push`" + ` made, then push it:

` + "```sh" + `
docker run --rm -t -v "$PWD/_out:/out" -v /dev:/dev --privileged \
  ghcr.io/siderolabs/imager:{{.Version}} installer --arch {{.Arch}} \
  --base-installer-image {{.Base}} \
  --system-extension-image {{.Image}}
crane push _out/installer-{{.Arch}}.tar {{.Installer}}
` + "```" + `

The factory's boot media below carry no Tailscale: a node gets the extension when it installs from
this installer. See docs/extension.md, "Getting it onto nodes".

{{end}}## 3. A new cluster

Boot every node from the Image Factory media for schematic ` + "`{{.P.SchematicID}}`" + `:

    {{.ISO}}

Generate the cluster's configs once ({{.Shape.Name}}-shaped, like the patches; Kubernetes pinned to a
version Talos {{.P.Spec.Cluster.TalosVersion}} supports) and point the new talosconfig at the control planes:

` + "```sh" + `
{{.GenConfig}}
export TALOSCONFIG="$PWD/` + genTalosconfig + `"
talosctl config endpoint {{.Endpoints}}
talosctl config node {{.First}}
` + "```" + `

Patch each node's copy and apply it while the node is in maintenance mode:

` + "```sh" + `
{{range .Nodes}}{{.NewPatch}}
talosctl apply-config --insecure --nodes {{.Address}} --file {{.Out}}
{{end}}` + "```" + `

When the nodes have installed and rebooted, bootstrap etcd once, on one control plane, and fetch the
kubeconfig:

` + "```sh" + `
talosctl bootstrap --nodes {{.First}}
talosctl kubeconfig --nodes {{.First}}
talosctl health --nodes {{.First}}
` + "```" + `

## 4. An existing cluster

With your own talosconfig (the one the cluster was created with; ` + "`--talosconfig`" + `, ` + "`$TALOSCONFIG`" + ` or
` + "`~/.talos/config`" + `, as for talosctl), let tailos read each node's live config, patch it in that config's
shape, show the diff (secrets redacted) and apply it without a reboot, one node at a time, waiting until
the node is on the tailnet before the next. It reads the key from ` + "`{{.P.Auth.Ref}}`" + ` itself and sends it
only to the nodes. Look first, then apply; a second run changes nothing:

` + "```sh" + `
{{call .Tailos "apply --dry-run"}}
{{call .Tailos "apply"}}
` + "```" + `

Or with talosctl alone (the same patches, merged into each node's config):

` + "```sh" + `
{{range .Nodes}}{{.LivePatch}}
{{end}}` + "```" + `

Then move each node onto the installer that carries the extension.{{if .Imager}} ` + "`tailos upgrade`" + ` verifies
Image Factory installers only and refuses this spec's imager build; upgrade with talosctl, one node at a
time, and build a new installer (the imager command above) for every new Talos version.
{{else}} ` + "`tailos upgrade`" + ` uses the
factory installer of this spec's schematic, refuses one that would drop Tailscale, and checks each node
is back on the tailnet with the same identity before the next (` + "`--dry-run`" + ` shows the plan):

` + "```sh" + `
{{call .Tailos (printf "upgrade --to %s --dry-run" (sh .P.Spec.Cluster.TalosVersion))}}
{{call .Tailos (printf "upgrade --to %s" (sh .P.Spec.Cluster.TalosVersion))}}
` + "```" + `
{{end}}
With talosctl, **always pass --image**: without it ` + "`talosctl upgrade`" + ` installs the empty-schematic
installer and Tailscale disappears after the reboot.

` + "```sh" + `
{{range .Nodes}}talosctl upgrade --nodes {{.Address}} --image {{.Image}}
{{end}}` + "```" + `

## 5. Verify

` + "`tailos doctor`" + ` checks every node through the Talos API: the extension and its schematic, ext-tailscale
and the cause of any crash loop, tailscale0 and its MTU, the addresses kubelet and etcd chose, DNS and
KubeSpan (add ` + "`--tailnet`" + ` for the devices, routes and key expiry):

` + "```sh" + `
{{call .Tailos (printf "doctor -n %s" .NodeAddrs)}}
` + "```" + `

The same by hand with talosctl:

` + "```sh" + `
{{range .Nodes}}talosctl --nodes {{.Address}} get extensions          # tailscale, and schematic {{$.P.SchematicID}}
talosctl --nodes {{.Address}} service ext-tailscale     # Running
talosctl --nodes {{.Address}} get links tailscale0
talosctl --nodes {{.Address}} get nodeips               # {{if eq $.P.Spec.Cluster.Mode "cluster-network"}}a 100.64.0.0/10 address{{else}}a LAN address, not 100.x{{end}}
{{if .MagicDNSQ}}talosctl --endpoints {{.MagicDNSQ}} --nodes {{.MagicDNSQ}} version   # over the tailnet: the name is a certificate SAN
{{end}}{{end}}` + "```" + `

If ` + "`ext-tailscale`" + ` restarts, ` + "`talosctl --nodes ADDRESS logs ext-tailscale`" + ` says why. Check the live
configs with ` + "`tailos check`" + ` after any manual change.
{{with .P.Nodes}}
## MTU
{{range .}}{{if .MTU}}
- {{.Spec.Name}}: {{.MTU.Arithmetic}} → ` + "`TS_DEBUG_MTU={{.MTU.TUN}}`" + `{{range .Warnings}}
  - warning: {{.}}{{end}}{{end}}{{end}}
{{end}}{{if .P.Operator}}
## Hybrid: the Tailscale Kubernetes operator

The extension keeps talosctl reachable; the operator exposes workloads.

` + "```sh" + `
helm repo add tailscale https://pkgs.tailscale.com/helmcharts && helm repo update
helm upgrade --install tailscale-operator tailscale/tailscale-operator -n tailscale --create-namespace \
  -f operator/values.yaml --set-string oauth.clientId=CLIENT_ID --set-string oauth.clientSecret=CLIENT_SECRET
kubectl apply -f operator/connector.yaml -f operator/dnsconfig.yaml
` + "```" + `

Then add ` + "`operator/coredns-ts-net.conf`" + ` to the CoreDNS Corefile so pods resolve ` + "`{{.P.Operator.Domain}}`" + ` names
(MagicDNS stays off on the nodes).
{{end}}
## Good to know

- ` + "`TS_AUTH_ONCE=true`" + `: a node logs in once and keeps its identity in /var/lib/tailscale (which survives
  reboots and upgrades, not ` + "`talosctl reset`" + `). An expired key does not stop a registered node.
- After the first login only ` + "`TS_HOSTNAME`, `TS_ROUTES` and `TS_ACCEPT_DNS`" + ` changes are applied on restart;
  changes to ` + "`TS_EXTRA_ARGS`" + ` (tags, exit node, SSH, login server) need the device re-registered.
- ` + "`talosctl apply-config`" + ` with a full file replaces every document: keep the patches in your workflow, or
  the ExtensionServiceConfig is dropped.
`))

// fromDir is path (relative to where gen ran, as the spec's file: refs
// are) as seen from dir, where NEXT-STEPS.md's commands run.
func fromDir(dir, path string) string {
	if dir == "" || filepath.IsAbs(path) {
		return path
	}
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	if rel, err := filepath.Rel(absDir, absPath); err == nil {
		return rel
	}
	return path
}
