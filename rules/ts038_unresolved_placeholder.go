package rules

import "fmt"

var _ = register(&Rule{
	ID:       "TS038",
	Title:    "unresolved template placeholder (${VAR}, {{ .Var }}) in the tailscale environment",
	Severity: Info,
	Topic:    TopicAuthKey,
	Why: "talhelper (envsubst from talenv and SOPS files), Terraform and shell templates fill ${VAR}, and topf's Go " +
		"templates fill {{ .Var }}, before the " +
		"config reaches Talos. tailos does not guess the value: rules that need it (is the key reusable, an OAuth " +
		"secret, empty?) cannot judge it. Passed verbatim to Talos, containerboot would use the literal text.",
	Sources: []string{
		"budimanjojo/talhelper pkg/substitute/envsubst.go (${VAR} filled in by envsubst from talenv.yaml and talsecret.sops.yaml)",
		"lint/testdata/realworld/INDEX.md conventions (placeholders kept verbatim); entries 06, 14, 17",
	},
	Fix: "Pass the values with `tailos check --env talenv.yaml` (KEY: value YAML or KEY=value dotenv) to check the " +
		"rendered config; make sure the variable is set where talhelper genconfig runs.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		var out []Result
		for _, e := range c.Tailscale.Env {
			if vars := templateRef.FindAllString(e.Value, -1); len(vars) > 0 {
				out = append(out, Result{
					Message: fmt.Sprintf("%s uses %v, not resolved: its value was not checked (pass --env FILE)", e.Key, vars),
					At:      AtEnv(e.Key),
				})
			}
		}
		return out
	},
})
