package doctor

// Status is the outcome of one check.
type Status string

// The statuses, from best to worst; unknown means the check could not be
// answered (permission, unreachable, not applicable evidence missing).
const (
	OK      Status = "ok"
	Warn    Status = "warn"
	Fail    Status = "fail"
	Unknown Status = "unknown"
)

// Check is one finding about one node.
type Check struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Remedy  string `json:"remedy,omitempty"`
}

// NodeReport is everything doctor found on one node. Error is set when the
// node could not be checked at all (unreachable, TLS, unknown to apid).
type NodeReport struct {
	Node     string  `json:"node"`
	Hostname string  `json:"hostname,omitempty"`
	Error    string  `json:"error,omitempty"`
	Checks   []Check `json:"checks"`
}

// Summary counts checks by status over all nodes.
type Summary struct {
	OK          int `json:"ok"`
	Warn        int `json:"warn"`
	Fail        int `json:"fail"`
	Unknown     int `json:"unknown"`
	Unreachable int `json:"unreachable"`
}

// Report is the result of a doctor run.
type Report struct {
	Nodes   []NodeReport `json:"nodes"`
	Summary Summary      `json:"summary"`
}

// Summarize recomputes r.Summary from its nodes.
func (r *Report) Summarize() {
	var s Summary
	for _, n := range r.Nodes {
		if n.Error != "" {
			s.Unreachable++
		}
		for _, c := range n.Checks {
			switch c.Status {
			case OK:
				s.OK++
			case Warn:
				s.Warn++
			case Fail:
				s.Fail++
			default:
				s.Unknown++
			}
		}
	}
	r.Summary = s
}

// Reachable reports whether at least one node answered.
func (r *Report) Reachable() bool {
	for _, n := range r.Nodes {
		if n.Error == "" {
			return true
		}
	}
	return false
}

// Worst returns the worst status of a node's checks (fail > warn >
// unknown > ok); a node that could not be checked is unknown.
func (n NodeReport) Worst() Status {
	if n.Error != "" {
		return Unknown
	}
	rank := map[Status]int{OK: 0, Unknown: 1, Warn: 2, Fail: 3}
	w := OK
	for _, c := range n.Checks {
		if rank[c.Status] > rank[w] {
			w = c.Status
		}
	}
	return w
}

// Find returns the check with id, if the node has one.
func (n NodeReport) Find(id string) (Check, bool) {
	for _, c := range n.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}
