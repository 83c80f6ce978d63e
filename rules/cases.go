package rules

// Case is one severity a rule can raise and when.
type Case struct {
	Severity Severity `json:"severity"`
	When     string   `json:"when"`
}

// severityCases lists, for rules that raise more than their default
// severity, every severity with its condition (a test checks the list
// against the severities each rule's source can set).
var severityCases = map[string][]Case{
	"TS002": {{Warning, "a whole machine config"}, {Info, "a patch: the base it is applied to may carry the service"}},
	"TS003": {{Error, "the listed image is the tailscale extension"}, {Warning, "another extension image"}},
	"TS010": {{Error, "the install image is not an Image Factory installer"}, {Warning, "a whole config sets no install image"}, {Info, "a patch sets no install image"}},
	"TS035": {{Error, "the target Talos is 1.7 or newer, or unknown"}, {Info, "the target Talos is older than 1.7, which still reads the file"}},
	"TS036": {{Warning, "credentials written to a file the extension does not read"}, {Error, "the machine.files entry has no op, which Talos rejects"}},
	"TS039": {{Warning, "a placeholder in a non-credential variable"}, {Error, "a placeholder in TS_AUTHKEY, TS_AUTH_KEY or the OAuth variables: the node cannot log in"}},
	"TS050": {{Error, "every admitted LAN address sorts after 100.64.0.0/10"}, {Warning, "the config has no static address to judge by"}, {Info, "an admitted LAN address sorts before 100.64.0.0/10 and wins while it is up"}},
	"TS056": {{Warning, "the policy attribute can fix it (Talos ≥ 1.14 or unknown)"}, {Error, "the bundled Tailscale predates the attribute (Talos < 1.14)"}},
	"TS060": {{Error, "every admitted LAN address sorts after 100.64.0.0/10"}, {Warning, "no static address to judge by, or a patch that does not say it is for a control plane"}, {Info, "an admitted LAN address sorts before 100.64.0.0/10"}},
	"TS061": {{Error, "a control plane"}, {Warning, "a patch that does not say its machine type"}},
	"TS080": {{Error, "the MTU is wrong for the underlay or below the minimum"}, {Warning, "the MTU is above the maximum"}, {Info, "no link MTU is known and the value needs jumbo frames"}},
	"TS081": {{Warning, "the config states the link MTU, and tailscale0 is smaller"}, {Info, "no link MTU is stated: the LAN is assumed to be 1500-byte Ethernet"}},
	"TS101": {{Warning, "an advertised route overlaps the node's pod CIDR or LAN"}, {Info, "it overlaps only the service CIDR"}},
	"TS106": {{Warning, "the node's LAN is known"}, {Info, "the config does not show the node's LAN"}},
	"TS120": {{Warning, "the node's MagicDNS name is known and missing"}, {Info, "no tailnet name or address is in certSANs and the name is unknown"}},
	"TS121": {{Warning, "management mode"}, {Info, "cluster-network mode, where it is the design"}},
	"TS133": {{Error, "the tag is invalid"}, {Warning, "the tag lacks the tag: prefix (added automatically since 1.98)"}},
	"TS138": {{Warning, "the bundled Tailscale ignores TS_BOOT_TIMEOUT (Talos < 1.14)"}, {Error, "the value is not a Go duration"}, {Info, "shorter than 60 s, or the bundled Tailscale is unknown (Talos version unknown or 1.14.0)"}},
	"TS142": {{Warning, "apid or the API server is not admitted from the tailnet"}, {Info, "the fixed UDP port is not admitted"}},
}

// Cases returns every severity the rule can raise, the default first.
func (r *Rule) Cases() []Case {
	if cs, ok := severityCases[r.ID]; ok {
		return cs
	}
	return []Case{{r.Severity, "always"}}
}
