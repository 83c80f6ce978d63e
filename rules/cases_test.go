package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var sevCall = regexp.MustCompile(`sev\((Info|Warning|Error)\)`)

// helperSeverities are severities a rule raises through a shared helper.
var helperSeverities = map[string][]string{"subnetRisk(": {"Info", "Warning"}}

// Every severity a rule's source can set is documented in its cases, with
// the default first, and no case is documented that the source cannot set.
func TestSeverityCases(t *testing.T) {
	files, err := filepath.Glob("ts*.go")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		byID[strings.ToUpper(strings.SplitN(f, "_", 2)[0])] = string(b)
	}
	for _, r := range All() {
		src, ok := byID[r.ID]
		if !ok {
			t.Errorf("%s: no source file ts%s_*.go", r.ID, strings.TrimPrefix(r.ID, "TS"))
			continue
		}
		want := []string{r.Severity.String()}
		for _, m := range sevCall.FindAllStringSubmatch(src, -1) {
			want = append(want, strings.ToLower(m[1]))
		}
		for call, sevs := range helperSeverities {
			if strings.Contains(src, call) && !strings.Contains(src, "func "+call) {
				for _, s := range sevs {
					want = append(want, strings.ToLower(s))
				}
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		cs := r.Cases()
		if cs[0].Severity != r.Severity {
			t.Errorf("%s: first case is %s, the default is %s", r.ID, cs[0].Severity, r.Severity)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Severity.String())
			if c.When == "" {
				t.Errorf("%s: a %s case without a condition", r.ID, c.Severity)
			}
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: cases document %v, the source can raise %v", r.ID, got, want)
		}
	}
	for id := range severityCases {
		if _, ok := Lookup(id); !ok {
			t.Errorf("cases for unknown rule %s", id)
		}
	}
}
