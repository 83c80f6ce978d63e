//go:build linux

package talosnode

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// ConfigFilesEnv is the variable that turns Talos's
// ExtensionServiceConfigFilesController back on in container mode (see
// sourceChanges). machined gets it from the lab.
const ConfigFilesEnv = "TAILOS_LAB_EXTENSION_CONFIG_FILES"

// sourceChange is one edit to the Talos module source: old must occur
// exactly once in File, and is replaced by new. Extra adds a new file to
// the same package. Both are fixed text, so the build is deterministic.
type sourceChange struct {
	File     string
	Old, New string
	Extra    string // path of an added file
	ExtraSrc string
}

// sourceChanges are the only two differences between the lab's machined
// and upstream v1.14.1 (docs/lab.md):
//
//  1. The lab has no CAP_SYS_RESOURCE, so machined's oom_score_adj=-999 for
//     containerd fails and containerd restart-loops: a negative score is
//     clamped to 0 when the capability is missing.
//  2. Upstream skips ExtensionServiceConfigFilesController in container
//     mode, so a service with `depends: [configuration: true]` (the
//     official tailscale spec) waits forever: it is skipped only when
//     ConfigFilesEnv is unset.
var sourceChanges = []sourceChange{
	{
		File: "internal/app/machined/pkg/system/runner/runner.go",
		Old: "func WithOOMScoreAdj(score int) Option {\n" +
			"\treturn func(args *Options) {\n" +
			"\t\targs.OOMScoreAdj = score\n",
		New: "func WithOOMScoreAdj(score int) Option {\n" +
			"\treturn func(args *Options) {\n" +
			"\t\tif score < 0 && !hasCapSysResource() {\n" +
			"\t\t\tscore = 0\n" +
			"\t\t}\n\n" +
			"\t\targs.OOMScoreAdj = score\n",
		Extra: "internal/app/machined/pkg/system/runner/tailos_lab_caps.go",
		ExtraSrc: `package runner

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// hasCapSysResource reports whether CAP_SYS_RESOURCE (bit 24) is in this
// process's effective capability set (tailos lab change).
func hasCapSysResource() bool {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return true
	}
	defer f.Close()

	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)

			return err != nil || caps&(1<<24) != 0
		}
	}

	return true
}
`,
	},
	{
		File: "internal/app/machined/pkg/controllers/runtime/extension_service_config_files.go",
		Old:  "\tif ctrl.V1Alpha1Mode == v1alpha1runtime.ModeContainer {\n\t\treturn nil\n\t}\n",
		New:  "\tif ctrl.V1Alpha1Mode == v1alpha1runtime.ModeContainer && os.Getenv(\"" + ConfigFilesEnv + "\") == \"\" {\n\t\treturn nil\n\t}\n",
	},
}

// applySourceChanges edits the copied Talos source in dir. It fails when
// the source does not read as expected, rather than building something else.
func applySourceChanges(dir string) error {
	for _, c := range sourceChanges {
		p := filepath.Join(dir, c.File)
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("talos source change: %w", err)
		}
		if n := bytes.Count(data, []byte(c.Old)); n != 1 {
			return fmt.Errorf("talos source change: %s: expected text found %d times, want exactly once (is this Talos %s?)", c.File, n, TalosVersion)
		}
		data = bytes.Replace(data, []byte(c.Old), []byte(c.New), 1)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		if c.Extra != "" {
			if err := os.WriteFile(filepath.Join(dir, c.Extra), []byte(c.ExtraSrc), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
