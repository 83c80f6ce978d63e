package doctor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func sampleReport() *Report {
	r := &Report{Nodes: []NodeReport{
		{Node: "198.18.0.11", Hostname: "node-1", Checks: []Check{
			{ID: IDService, Status: OK, Message: "ext-tailscale is Running"},
			{ID: IDCrashLoop, Status: Fail, Message: "crash loop", Remedy: "talosctl -n 198.18.0.11 logs ext-tailscale"},
		}},
		{Node: "198.18.0.12", Error: "unreachable: connection refused", Checks: []Check{}},
	}}
	r.Summarize()
	return r
}

// The JSON shape is the documented one: nodes[].{node,hostname,checks[].{id,status,message,remedy}}, summary.{ok,warn,fail,unknown}.
func TestWriteJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Nodes []struct {
			Node, Hostname, Error string
			Checks                []map[string]string
		}
		Summary map[string]int
	}
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Nodes) != 2 || got.Nodes[0].Hostname != "node-1" || got.Nodes[1].Error == "" {
		t.Errorf("nodes %+v", got.Nodes)
	}
	c := got.Nodes[0].Checks[1]
	if c["id"] != IDCrashLoop || c["status"] != "fail" || c["message"] != "crash loop" || !strings.Contains(c["remedy"], "talosctl") {
		t.Errorf("check %v", c)
	}
	want := map[string]int{"ok": 1, "warn": 0, "fail": 1, "unknown": 0, "unreachable": 1}
	for k, v := range want {
		if got.Summary[k] != v {
			t.Errorf("summary[%s] = %d, want %d", k, got.Summary[k], v)
		}
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleReport(), false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"198.18.0.11 (node-1)\n",
		"FAIL    service.crashloop",
		"→ talosctl -n 198.18.0.11 logs ext-tailscale",
		"not checked: unreachable: connection refused",
		"NODE         HOSTNAME  OK  WARN  FAIL  UNKNOWN  RESULT",
		"198.18.0.12            0   0     0     0        unreachable",
		"2 node(s): 1 ok, 0 warn, 1 fail, 0 unknown; 1 unreachable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without a TTY")
	}
	b.Reset()
	_ = WriteText(&b, sampleReport(), true)
	if !strings.Contains(b.String(), "\x1b[31mFAIL") {
		t.Error("no colour with color=true")
	}
}
