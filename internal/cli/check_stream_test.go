package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/lint"
)

// routePatch advertises the same route from every node: TS103, a
// cross-node finding, on each of them.
const routePatch = `apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: tailscale
environment:
  - TS_AUTHKEY=file:/var/lib/tailscale/authkey
  - TS_ROUTES=10.96.0.0/12
`

func runCheckStream(t *testing.T, hold int, output string, files ...string) string {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	opts := &CheckOptions{IO: ios, Version: "test", Output: output, holdInputs: hold}
	req := lint.Request{Paths: files}
	if err := checkStream(context.Background(), opts, req); err != nil {
		var ee *ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
	}
	return out.String()
}

// A run of more inputs than it holds prints each input as it is checked
// and the cross-node findings after them, under "across nodes"; a smaller
// run prints them with their node. Both count the same findings.
func TestCheckStreamsLargeRuns(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"a.yaml", "b.yaml", "c.yaml"} {
		f := filepath.Join(dir, n)
		if err := os.WriteFile(f, []byte(routePatch), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	held := runCheckStream(t, 0, "text", files...)
	streamed := runCheckStream(t, 1, "text", files...)
	if strings.Contains(held, "across nodes") || strings.Count(held, "TS103") != 3 {
		t.Errorf("held run:\n%s", held)
	}
	across := strings.Index(streamed, "across nodes\n")
	if across < 0 || across < strings.LastIndex(streamed, "mode:") || strings.Count(streamed[across:], "TS103") != 3 {
		t.Errorf("streamed run:\n%s", streamed)
	}
	last := func(s string) string { return s[strings.LastIndex(strings.TrimSuffix(s, "\n"), "\n")+1:] }
	if last(held) != last(streamed) {
		t.Errorf("summaries differ: %q and %q", last(held), last(streamed))
	}

	var a, b struct {
		Findings []struct{ Rule, File string }
		Summary  map[string]int
	}
	if err := json.Unmarshal([]byte(runCheckStream(t, 0, "json", files...)), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(runCheckStream(t, 1, "json", files...)), &b); err != nil {
		t.Fatal(err)
	}
	if len(a.Findings) != len(b.Findings) || b.Findings[len(b.Findings)-1].Rule != "TS103" || a.Summary["infos"] != b.Summary["infos"] {
		t.Errorf("json: held %+v, streamed %+v", a, b)
	}
}
