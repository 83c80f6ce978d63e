package rules

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The kept containerboot variables are those the module's source reads:
// checked against tailscale.com as go.mod pins it (gen_tsenv.sh wrote them).
func TestContainerbootEnvFromSource(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", "tailscale.com").Output()
	if err != nil {
		t.Skipf("go list -m tailscale.com: %v", err)
	}
	version, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	kept, ok := containerbootEnv[strings.TrimPrefix(version, "v")]
	if !ok {
		t.Fatalf("tailscale.com %s in go.mod has no kept list: run rules/gen_tsenv.sh", version)
	}
	if dir == "" {
		t.Skip("tailscale.com sources not downloaded")
	}
	files, err := filepath.Glob(filepath.Join(dir, "cmd", "containerboot", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("containerboot sources: %v", err)
	}
	re := regexp.MustCompile(`"((?:TS|TAILSCALE)_[A-Z0-9_]+)"`)
	var read []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			read = append(read, m[1])
		}
	}
	slices.Sort(read)
	read = slices.Compact(read)
	if !slices.Equal(read, kept) {
		t.Errorf("containerboot %s reads %v\nkept: %v", version, read, kept)
	}
	for _, v := range []string{"TS_AUTHKEY", "TS_EXTRA_ARGS", "TS_ROUTES"} {
		if !slices.Contains(kept, v) {
			t.Errorf("%s missing", v)
		}
	}
}
