package rules

import (
	"fmt"
	"strings"
)

// CheckTag validates an ACL tag as tailcfg.CheckTag does.
func CheckTag(tag string) error {
	name, ok := strings.CutPrefix(tag, "tag:")
	switch {
	case !ok:
		return fmt.Errorf("tags must start with 'tag:'")
	case name == "":
		return fmt.Errorf("tag names must not be empty")
	case !isLetter(name[0]):
		return fmt.Errorf("tag names must start with a letter, after 'tag:'")
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !isLetter(b) && !isDigit(b) && b != '-' {
			return fmt.Errorf("tag names can only contain numbers, letters, or dashes")
		}
	}
	return nil
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }

var _ = register(&Rule{
	ID:       "TS133",
	Title:    "invalid tag in --advertise-tags",
	Severity: Error,
	Topic:    TopicFlags,
	Why: "The tailscale CLI validates --advertise-tags before logging in: a tag must be `tag:` followed by a letter " +
		"and then letters, digits or dashes. An invalid tag fails `tailscale up`. Tailscale 1.98 added the `tag:` " +
		"prefix automatically when omitted; older clients (most Talos releases' extension) reject it.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 tailcfg/tailcfg.go CheckTag",
		"tailscale/tailscale 815bb291c (v1.98.0: the tag: prefix in --advertise-tags became optional)",
	},
	Fix: "Write tags as tag:name, comma-separated, with letters, digits and dashes only (e.g. --advertise-tags=tag:talos,tag:k8s).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		f, ok := t.ExtraArgs().Find("advertise-tags")
		if !ok {
			return nil
		}
		var out []Result
		for _, tag := range strings.Split(f.Value, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "" || strings.Contains(tag, "${") {
				continue
			}
			err := CheckTag(tag)
			if err == nil {
				continue
			}
			r := Result{Message: fmt.Sprintf("--advertise-tags %q: %v", tag, err), At: AtEnv("TS_EXTRA_ARGS")}
			if !strings.HasPrefix(tag, "tag:") && CheckTag("tag:"+tag) == nil {
				r.Severity = sev(Warning)
				r.Message += " (accepted from Tailscale 1.98, rejected before)"
			}
			out = append(out, r)
		}
		return out
	},
})
