package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report in the documented JSON shape.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

var statusColor = map[Status]string{OK: "\x1b[32m", Warn: "\x1b[33m", Fail: "\x1b[31m", Unknown: "\x1b[90m"}

func label(s Status, color bool) string {
	t := fmt.Sprintf("%-7s", strings.ToUpper(string(s)))
	if !color {
		return t
	}
	return statusColor[s] + t + "\x1b[0m"
}

// WriteText writes each node's checks, then a summary table when more than
// one node was checked.
func WriteText(w io.Writer, r *Report, color bool) error {
	var b strings.Builder
	for i, n := range r.Nodes {
		if i > 0 {
			b.WriteString("\n")
		}
		head := n.Node
		if n.Hostname != "" && n.Hostname != n.Node {
			head += " (" + n.Hostname + ")"
		}
		b.WriteString(head + "\n")
		if n.Error != "" {
			fmt.Fprintf(&b, "  %s %s\n", label(Unknown, color), "not checked: "+n.Error)
			continue
		}
		for _, c := range n.Checks {
			fmt.Fprintf(&b, "  %s %-24s %s\n", label(c.Status, color), c.ID, c.Message)
			if c.Remedy != "" && c.Status != OK {
				fmt.Fprintf(&b, "  %7s %-24s → %s\n", "", "", c.Remedy)
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if len(r.Nodes) > 1 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NODE\tHOSTNAME\tOK\tWARN\tFAIL\tUNKNOWN\tRESULT")
		for _, n := range r.Nodes {
			var c [4]int
			for _, x := range n.Checks {
				switch x.Status {
				case OK:
					c[0]++
				case Warn:
					c[1]++
				case Fail:
					c[2]++
				default:
					c[3]++
				}
			}
			result := string(n.Worst())
			if n.Error != "" {
				result = "unreachable"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", n.Node, n.Hostname, c[0], c[1], c[2], c[3], result)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	s := r.Summary
	_, err := fmt.Fprintf(w, "\n%d node(s): %d ok, %d warn, %d fail, %d unknown; %d unreachable\n", len(r.Nodes), s.OK, s.Warn, s.Fail, s.Unknown, s.Unreachable)
	return err
}
