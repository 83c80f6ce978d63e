package yamlerr

import (
	"errors"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "tailos.yaml", Line: 3, Field: "cluster.mode", Msg: "unknown mode"}, "tailos.yaml:3: cluster.mode: unknown mode"},
		{Error{File: "tailos.yaml", Field: "cluster", Msg: "is required"}, "tailos.yaml: cluster: is required"},
		{Error{Line: 7, Field: "customization.meta[0].key", Msg: "out of range"}, "line 7: customization.meta[0].key: out of range"},
		{Error{File: "s.yaml", Line: 2, Msg: "not YAML"}, "s.yaml:2: not YAML"},
		{Error{Msg: "empty"}, "empty"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Fatal("an empty list is no error")
	}
	l = List{{Line: 1, Msg: "a"}, {Line: 4, Field: "b", Msg: "c"}}
	f := l.WithFile("x.yaml")
	if got, want := f.Error(), "x.yaml:1: a\nx.yaml:4: b: c"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if l[0].File != "" {
		t.Error("WithFile changed the original")
	}
	var got List
	if !errors.As(f.Err(), &got) || len(got) != 2 {
		t.Errorf("errors.As(List) = %v", got)
	}
}

func TestSplitLine(t *testing.T) {
	for _, tt := range []struct {
		in   string
		line int
		text string
	}{
		{"yaml: line 3: field foo not found in type spec.Cluster", 3, "field foo not found in type spec.Cluster"},
		{"line 12: cannot unmarshal !!str `x` into int", 12, "cannot unmarshal !!str `x` into int"},
		{"yaml: did not find expected key", 0, "did not find expected key"},
		{"  yaml: line 1: mapping values are not allowed in this context\n", 1, "mapping values are not allowed in this context"},
	} {
		line, text := SplitLine(tt.in)
		if line != tt.line || text != tt.text {
			t.Errorf("SplitLine(%q) = %d, %q; want %d, %q", tt.in, line, text, tt.line, tt.text)
		}
	}
}

func TestLines(t *testing.T) {
	got := Lines("2 errors occurred:\n\t* yaml: line 4: cannot unmarshal\n\t* line 9: bad value")
	if len(got) != 2 || got[0] != 4 || got[1] != 9 {
		t.Errorf("Lines = %v, want [4 9]", got)
	}
	if got := Lines("no line here"); len(got) != 0 {
		t.Errorf("Lines = %v, want none", got)
	}
}
