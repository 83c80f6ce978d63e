package rules

import (
	"fmt"
	"strings"
)

// CheckHostname validates a tailnet hostname as util/dnsname.ValidHostname does.
func CheckHostname(h string) error {
	if h == "" {
		return fmt.Errorf("empty hostname")
	}
	if len(h) > 255 {
		return fmt.Errorf("%q is too long to be a DNS name", h)
	}
	for _, l := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if err := checkLabel(l); err != nil {
			return err
		}
	}
	return nil
}

func checkLabel(l string) error {
	switch {
	case len(l) == 0:
		return fmt.Errorf("empty DNS label")
	case len(l) > 63:
		return fmt.Errorf("%q is not a valid DNS label: must be 63 characters or less", l)
	case !isLetter(l[0]) && !isDigit(l[0]):
		return fmt.Errorf("%q is not a valid DNS label: must start with a letter or number", l)
	case !isLetter(l[len(l)-1]) && !isDigit(l[len(l)-1]):
		return fmt.Errorf("%q is not a valid DNS label: must end with a letter or number", l)
	}
	for i := 0; i < len(l); i++ {
		if b := l[i]; !isLetter(b) && !isDigit(b) && b != '-' {
			return fmt.Errorf("%q is not a valid DNS label: contains invalid character %q", l, b)
		}
	}
	return nil
}

var _ = register(&Rule{
	ID:       "TS134",
	Title:    "invalid tailnet hostname",
	Severity: Error,
	Topic:    TopicFlags,
	Why: "TS_HOSTNAME (or --hostname) must be a valid DNS name: labels of letters, digits and dashes, starting and " +
		"ending with a letter or digit, at most 63 bytes. The CLI rejects anything else and `tailscale up` fails.",
	Sources: []string{"tailscale/tailscale v1.96.5 util/dnsname/dnsname.go (ValidHostname, ValidLabel)"},
	Fix:     "Use a DNS-safe hostname such as the Talos node name (talos-cp-1).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		var out []Result
		if v, ok := t.Lookup("TS_HOSTNAME"); ok && v != "" && !strings.Contains(v, "${") {
			if err := CheckHostname(v); err != nil {
				out = append(out, Result{Message: "TS_HOSTNAME: " + err.Error(), At: AtEnv("TS_HOSTNAME")})
			}
		}
		if f, ok := t.ExtraArgs().Find("hostname"); ok && !strings.Contains(f.Value, "${") {
			if err := CheckHostname(f.Value); err != nil {
				out = append(out, Result{Message: "--hostname: " + err.Error(), At: AtEnv("TS_EXTRA_ARGS")})
			}
		}
		return out
	},
})
