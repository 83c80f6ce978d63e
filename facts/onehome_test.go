package facts

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A fact is stated in one place, its home; everything else refers to it.
// These tests read every non-test Go file of the module and fail where a
// fact's value is spelled outside its home. Prose (rule explanations,
// remedies, comments) may name the values: only a Go string literal that
// is exactly the value, or code that compares with it, counts.

// literals are values that must not be a string literal outside home
// (a directory of the module; "" for none: the value comes from a
// dependency, e.g. tailscale.com/net/tsaddr).
var literals = []struct {
	home   string
	values []string
}{
	{"facts/tailscaleext", []string{
		"siderolabs/tailscale", "ext-tailscale",
		"/var/lib/tailscale", "/var/run/tailscale", "/var/run/tailscale/tailscaled.sock", "/dev/net/tun",
		"TS_STATE_DIR=/var/lib/tailscale", "TS_SOCKET=/var/run/tailscale/tailscaled.sock", "TS_USERSPACE=false",
	}},
	{"facts/imagefactory", []string{
		"376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
		"factory.talos.dev", "https://factory.talos.dev",
		"^[0-9a-f]{64}$",
	}},
	{"", []string{
		"100.64.0.0/10", "!100.64.0.0/10", "fd7a:115c:a1e0::/48", "!fd7a:115c:a1e0::/48",
		"100.100.100.100", "fd7a:115c:a1e0::53", "fd7a:115c:a1e0:b1a::/64",
	}},
	{"secret", []string{"tskey-", "tskey-auth-", "tskey-client-", "tskey-api-", "hskey-", "hskey-auth-", "hskey-api-"}},
}

// patterns are fragments that must not appear in any string literal
// outside home: the regular expressions of facts with one parser.
var patterns = []struct {
	home, fragment, what string
}{
	{"facts/imagefactory", "[0-9a-f]{64}", "a schematic ID pattern"},
	{"facts/imagefactory", "-installer", "an installer image pattern"},
	{"facts/imagefactory", "[a-z0-9]+(?:[._-][a-z0-9]+)*/", "an extension name pattern"},
	{"facts/yamlerr", `line (\d+)`, "a YAML decoder message parser"},
	{"secret", "tskey-[a-z]", "a credential pattern"},
	{"secret", "hskey-[a-z]", "a credential pattern"},
}

// serviceName is the ExtensionServiceConfig's and the service's name: code
// may not compare with, assign or declare the bare literal outside its home.
const serviceName, serviceHome = "tailscale", "facts/tailscaleext"

// kept is the generated containerboot contract: a version-keyed list of
// variables outside its home is a second copy.
var kept = regexp.MustCompile(`"\d+\.\d+\.\d+":\s*\{"(?:TS|TAILSCALE)_`)

const keptHome = "facts/containerboot"

type source struct {
	rel  string // slash path from the module root
	data []byte
	file *ast.File
	fset *token.FileSet
}

func moduleSources(t *testing.T) []source {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	var out []source
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (n == "testdata" || strings.HasPrefix(n, ".") || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, data, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, source{rel: filepath.ToSlash(rel), data: data, file: f, fset: fset})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found only %d Go files under %s", len(out), root)
	}
	return out
}

func inHome(rel, home string) bool {
	return home != "" && strings.HasPrefix(rel, home+"/") && !strings.Contains(strings.TrimPrefix(rel, home+"/"), "/")
}

// stringLits calls f with every string literal of s, unquoted.
func stringLits(s source, f func(pos token.Position, v string)) {
	ast.Inspect(s.file, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, err := strconv.Unquote(lit.Value); err == nil {
				f(s.fset.Position(lit.Pos()), v)
			}
		}
		return true
	})
}

func TestEachFactHasOneHome(t *testing.T) {
	srcs := moduleSources(t)
	homes := map[string]bool{}
	for _, s := range srcs {
		homes[filepath.ToSlash(filepath.Dir(s.rel))] = true
	}
	for _, l := range literals {
		if l.home != "" && !homes[l.home] {
			t.Fatalf("home %s has no Go files", l.home)
		}
	}
	for _, s := range srcs {
		stringLits(s, func(pos token.Position, v string) {
			for _, l := range literals {
				for _, want := range l.values {
					if v == want && !inHome(s.rel, l.home) {
						t.Errorf("%s:%d: %q is stated here; its home is %s", s.rel, pos.Line, v, homeName(l.home))
					}
				}
			}
			for _, p := range patterns {
				if strings.Contains(v, p.fragment) && !inHome(s.rel, p.home) && !prose(v) {
					t.Errorf("%s:%d: %s (%q) outside %s", s.rel, pos.Line, p.what, p.fragment, p.home)
				}
			}
		})
		if !inHome(s.rel, keptHome) {
			if loc := kept.FindIndex(s.data); loc != nil {
				t.Errorf("%s: a per-release list of Tailscale variables outside %s", s.rel, keptHome)
			}
		}
		if !inHome(s.rel, serviceHome) {
			for _, pos := range serviceNameUses(s) {
				t.Errorf("%s:%d: the service name %q is spelled here; use tailscaleext.ServiceName", s.rel, pos.Line, serviceName)
			}
		}
	}
}

func homeName(home string) string {
	if home == "" {
		return "tailscale.com/net/tsaddr through facts/tailnetip"
	}
	return home
}

// prose tells explanations (which may quote a pattern) from patterns.
func prose(v string) bool { return strings.Count(v, " ") >= 3 }

// serviceNameUses finds "tailscale" compared with (==, !=), assigned,
// declared or given as a field value.
func serviceNameUses(s source) []token.Position {
	var out []token.Position
	is := func(e ast.Expr) bool {
		lit, ok := e.(*ast.BasicLit)
		return ok && lit.Kind == token.STRING && lit.Value == strconv.Quote(serviceName)
	}
	ast.Inspect(s.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && (is(n.X) || is(n.Y)) {
				out = append(out, s.fset.Position(n.Pos()))
			}
		case *ast.AssignStmt:
			for _, r := range n.Rhs {
				if is(r) {
					out = append(out, s.fset.Position(r.Pos()))
				}
			}
		case *ast.ValueSpec:
			for _, v := range n.Values {
				if is(v) {
					out = append(out, s.fset.Position(v.Pos()))
				}
			}
		case *ast.KeyValueExpr:
			if is(n.Value) {
				out = append(out, s.fset.Position(n.Value.Pos()))
			}
		}
		return true
	})
	return out
}

// The homes are leaves: they import nothing of tailos but other homes, so
// every package can import them.
func TestHomesAreLeaves(t *testing.T) {
	const module = "github.com/tailos/tailos/"
	for _, s := range moduleSources(t) {
		dir := filepath.ToSlash(filepath.Dir(s.rel))
		if dir != "facts" && !strings.HasPrefix(dir, "facts/") && dir != "secret" {
			continue
		}
		for _, imp := range s.file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) && !strings.HasPrefix(p, module+"facts/") {
				t.Errorf("%s imports %s: a home of facts imports nothing of tailos", s.rel, p)
			}
		}
	}
}
