package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, src string
		want      map[string]string
		err       string
	}{
		{"talenv.yaml", "talosVersion: v1.10.3\nTS_KEY: tskey-auth-x\n", map[string]string{"talosVersion": "v1.10.3", "TS_KEY": "tskey-auth-x"}, ""},
		{"a.env", "# c\nexport A=1\nB=\"two words\"\nC='x=y'\n", map[string]string{"A": "1", "B": "two words", "C": "x=y"}, ""},
		{"bad.env", "A=1\nnot a pair\n", nil, "bad.env:2"},
		{"empty.env", "# nothing\n", nil, "no variables"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadEnvFile(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// Substitute fills known variables and leaves the rest, and lines stay put.
func TestSubstitute(t *testing.T) {
	in := "a: ${A}\nb: ${B}\nc: $$patch\n"
	got := string(Substitute([]byte(in), map[string]string{"A": "1"}))
	if got != "a: 1\nb: ${B}\nc: $$patch\n" {
		t.Errorf("got %q", got)
	}
	if u := Unresolved([]byte(got)); len(u) != 1 || u[0] != "line 2: ${B}" {
		t.Errorf("unresolved %v", u)
	}
}
