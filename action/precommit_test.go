package action

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type hook struct {
	ID            string   `yaml:"id"`
	Entry         string   `yaml:"entry"`
	Language      string   `yaml:"language"`
	Files         string   `yaml:"files"`
	Exclude       string   `yaml:"exclude"`
	Types         []string `yaml:"types"`
	PassFilenames *bool    `yaml:"pass_filenames"`
}

// identifyTags is the part of pre-commit's identify (tags_from_filename,
// extensions.py) the hook's types use: .yaml and .yml are yaml.
func identifyTags(path string) []string {
	tags := []string{"file", "text"}
	switch filepath.Ext(path) {
	case ".yaml", ".yml":
		tags = append(tags, "yaml")
	}
	return tags
}

// selected applies pre-commit's file selection (pre_commit/commands/run.py
// filter_by_include_exclude and Classifier.filenames_for_hook): `files`
// and `exclude` with re.search, then every `types` tag must be present.
func (h hook) selected(path string) bool {
	if h.Files != "" && !regexp.MustCompile(h.Files).MatchString(path) {
		return false
	}
	if h.Exclude != "" && regexp.MustCompile(h.Exclude).MatchString(path) {
		return false
	}
	tags := identifyTags(path)
	for _, t := range h.Types {
		if !slices.Contains(tags, t) {
			return false
		}
	}
	return true
}

func loadHook(t *testing.T) hook {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "tailos-check" {
		t.Fatalf("hooks: %+v", hooks)
	}
	h := hooks[0]
	if h.Language != "golang" || h.Entry != "tailos check" || h.PassFilenames != nil && !*h.PassFilenames {
		t.Fatalf("hook %+v: want language golang, entry `tailos check`, filenames passed", h)
	}
	return h
}

// The hook picks the files Talos, talhelper, topf and talstomize users
// name their configs, and leaves other YAML alone.
func TestPreCommitSelection(t *testing.T) {
	h := loadHook(t)
	for path, want := range map[string]bool{
		"talconfig.yaml":                            true,
		"clusters/home/talconfig.yaml":              true,
		"topf.yaml":                                 true,
		"infra/talstomize.yaml":                     true,
		"controlplane.yaml":                         true,
		"worker.yml":                                true,
		"talos/patches/tailscale.yaml":              true,
		"kubernetes/bootstrap/talos/patches/a.yaml": false, // under kubernetes/: manifests
		"clusterconfig/home-cp1.yaml":               true,
		"patches/global/tailscale.yaml":             true,
		".github/workflows/ci.yaml":                 false,
		"k8s/apps/deployment.yaml":                  false,
		"charts/app/values.yaml":                    false,
		"docker-compose.yaml":                       false,
		"talos/patches/tailscale.yaml.tpl":          false, // a template: not yaml until rendered
		"talos/README.md":                           false,
	} {
		if got := h.selected(path); got != want {
			t.Errorf("%s: selected %v, want %v", path, got, want)
		}
	}
}

// The entry runs on the files the selection passes, with pre-commit's
// contract: non-zero on error findings, zero when clean.
func TestPreCommitEntry(t *testing.T) {
	h := loadHook(t)
	bin := filepath.Join(t.TempDir(), "tailos")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tailos")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := t.TempDir()
	for name, src := range map[string]string{
		"talos/patches/bad.yaml":  filepath.Join(corpus, errFile),
		"talos/patches/good.yaml": filepath.Join(corpus, okFile),
		"k8s/deployment.yaml":     filepath.Join(corpus, errFile), // not selected
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(files []string) int {
		args := append(strings.Fields(h.Entry)[1:], files...)
		cmd := exec.Command(bin, args...)
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return 0
	}
	var staged []string
	for _, f := range []string{"k8s/deployment.yaml", "talos/patches/good.yaml"} {
		if h.selected(f) {
			staged = append(staged, f)
		}
	}
	if !slices.Equal(staged, []string{"talos/patches/good.yaml"}) {
		t.Fatalf("selected %v", staged)
	}
	if code := run(staged); code != 0 {
		t.Errorf("clean staged files: exit %d", code)
	}
	if code := run([]string{"talos/patches/bad.yaml", "talos/patches/good.yaml"}); code != 1 {
		t.Errorf("staged file with an error finding: exit %d, want 1", code)
	}
}
