package containerboot

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The kept containerboot variables are those the module's source reads:
// checked against tailscale.com as go.mod pins it (gen.sh wrote them).
func TestContainerbootEnvFromSource(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", "tailscale.com").Output()
	if err != nil {
		t.Skipf("go list -m tailscale.com: %v", err)
	}
	version, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	kept, ok := containerbootEnv[strings.TrimPrefix(version, "v")]
	if !ok {
		t.Fatalf("tailscale.com %s in go.mod has no kept list: run facts/containerboot/gen.sh", version)
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

// Every kept release has all three lists, and Latest is the last release.
func TestReleasesComplete(t *testing.T) {
	rels := Releases()
	if len(rels) == 0 || rels[len(rels)-1] != Latest {
		t.Fatalf("Releases() = %v, Latest = %s", rels, Latest)
	}
	for _, m := range []map[string][]string{containerbootEnv, tailscaleEnv, upFlags} {
		if len(m) != len(rels) {
			t.Errorf("generated list has releases %v, want %v", slices.Sorted(maps.Keys(m)), rels)
		}
		for _, r := range rels {
			if len(m[r]) == 0 {
				t.Errorf("release %s missing from a generated list", r)
			}
		}
	}
	for _, tt := range []struct {
		release, name string
		reads, known  bool
	}{
		{"1.96.5", "TS_AUTHKEY", true, true},
		{"1.96.5", "TS_BOOT_TIMEOUT", false, false},
		{"1.102.3", "TS_BOOT_TIMEOUT", true, true},
		{"1.96.5", "TS_DEBUG_MTU", false, true},
		{"1.96.5", "TS_NO_SUCH_THING", false, false},
	} {
		if got := Reads(tt.release, tt.name); got != tt.reads {
			t.Errorf("Reads(%s, %s) = %v, want %v", tt.release, tt.name, got, tt.reads)
		}
		if got := Known(tt.release, tt.name); got != tt.known {
			t.Errorf("Known(%s, %s) = %v, want %v", tt.release, tt.name, got, tt.known)
		}
	}
	if !slices.Contains(UpFlags("1.96.5"), "advertise-routes") {
		t.Error("tailscale up 1.96.5 has --advertise-routes")
	}
}

// Every variable FlagVars names is one containerboot reads, and every flag
// one `tailscale up` has, in each kept release.
func TestFlagVarsExist(t *testing.T) {
	for _, rel := range Releases() {
		for env, flag := range FlagVars() {
			if !Reads(rel, env) {
				t.Errorf("%s: containerboot does not read %s", rel, env)
			}
			if !slices.Contains(UpFlags(rel), flag) {
				t.Errorf("%s: tailscale up has no --%s", rel, flag)
			}
		}
	}
}

func TestBundledWith(t *testing.T) {
	for talos, want := range map[string]string{
		"":         "",
		"v1.9.6":   "1.96.5",
		"v1.13.9":  "1.96.5",
		"1.13.0":   "1.96.5",
		"v1.14.0":  "",
		"v1.14.1":  "1.102.3",
		"v1.15.0":  "1.102.3",
		"v2.0.0":   "1.102.3",
		"${TALOS}": "1.102.3",
	} {
		if got := BundledWith(talos); got != want {
			t.Errorf("BundledWith(%q) = %q, want %q", talos, got, want)
		}
	}
}
